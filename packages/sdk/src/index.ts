/** @roster/sdk: a typed client for Roster. */
export { Roster, RosterAdmin } from './client.ts';
export { type ClientErrorCode, type FieldError, isRosterError, RosterError, type RosterErrorCode } from './errors.ts';
export type { ClientOptions, RequestOptions } from './http.ts';
export { type Page, PagedList } from './pagination.ts';
export type { Group, GroupMember } from './resources/groups.ts';
export type { ImportFile, ImportJob, ImportOptions, ImportRowError } from './resources/imports.ts';
export type { UserRef } from './resources/users.ts';
export type { WebhookDelivery, WebhookEndpoint } from './resources/webhooks.ts';
export type * from './types.ts';
export { signWebhook, verifyWebhook } from './webhooks.ts';
