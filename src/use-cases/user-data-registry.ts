import type { Kysely } from 'kysely';
import type { ActorContext } from '../core/context.ts';
import type { DB } from '../db/schema.ts';
import { deleteUserUniqueValues, listUserUniqueValues } from '../modules/attributes/attributes.repository.ts';
import { deleteUserMemberships } from '../modules/brands/brands.repository.ts';
import { deleteUserCompanyMemberships, listUserMemberships } from '../modules/companies/company-members.repository.ts';
import { deleteCredential, findCredential } from '../modules/credentials/credentials.repository.ts';
import { listEvents, scrubUserEvents } from '../modules/events/events.repository.ts';
import type { EventsService } from '../modules/events/events.service.ts';
import { FEED_START } from '../modules/events/feed-position.ts';
import { deleteUserGroupMemberships, listUserGroups } from '../modules/groups/group-members.repository.ts';
import { deleteRecordsMentioning, listRecordsMentioning } from '../modules/idempotency/idempotency.repository.ts';
import { deleteRowErrorsNaming, listRowErrorsNaming } from '../modules/imports/imports.repository.ts';
import { listUserAssignments } from '../modules/plans/user-plans.repository.ts';
import { deleteUserIdentities, listUserIdentities } from '../modules/providers/providers.repository.ts';
import { endUserSessions } from '../modules/sessions/session-revocation.ts';
import { deleteUserSessions, listUserSessions } from '../modules/sessions/sessions.repository.ts';
import { deleteSigninFailures, listSigninFailures } from '../modules/signin-throttle/signin-throttle.repository.ts';
import { identifierKey, userSigninIdentifiers } from '../modules/signin-throttle/signin-throttle.ts';
import { eraseUser as tombstoneUser, type UserWithBrands } from '../modules/users/users.repository.ts';
import { toUserView } from '../modules/users/users.ts';
import { deleteUserMessages, listUserMessages } from '../modules/webhooks/webhook-deliveries.repository.ts';

/** What a part is handed: the transaction, the caller, and the user as it was before erasure began. */
export interface UserDataScope {
  trx: Kysely<DB>;
  ctx: ActorContext;
  user: UserWithBrands;
  now: Date;
  events: EventsService;
}

export type TableName = keyof DB & string;

/**
 * One module's rows about a user: which tables hold them, how erasure treats them and how they are exported.
 * Every table with per-user rows is named by exactly one part or listed in NO_USER_DATA; a test holds the
 * list to the live schema, so a new table cannot be forgotten.
 */
export interface UserDataPart {
  /** The key of this part in the export document. */
  name: string;
  tables: readonly TableName[];
  /** What erasure leaves of these rows, in one line (docs/choices.md lists the same). */
  erasure: string;
  erase(scope: UserDataScope): Promise<void>;
  export(scope: UserDataScope): Promise<unknown>;
}

const EXPORT_EVENTS_PAGE = 1000;

/** Every event of the user, oldest first, read in pages. */
async function userEvents({ trx, ctx, user }: UserDataScope) {
  const all = [];
  for (let after = FEED_START; ; ) {
    const page = await listEvents(trx, ctx.tenantId, { after, userId: user.id, limit: EXPORT_EVENTS_PAGE, everythingVisible: true });
    all.push(...page);
    const last = page.at(-1);
    if (!last || page.length < EXPORT_EVENTS_PAGE) return all;
    after = { txid: last.txid, seq: Number(last.seq) };
  }
}

const IDENTIFIERS = { email: 'email', phone: 'phone', externalId: 'externalId' } as const;

/**
 * The identifiers the user holds now and every one it held before (from the changes its events recorded, read
 * before they are scrubbed): a counter or a stored response may carry an old email.
 */
async function identifiersEverHeld(scope: UserDataScope): Promise<string[]> {
  const { user } = scope;
  const held = new Set(userSigninIdentifiers({ email: user.email, phone: user.phone, externalId: user.external_id }));
  for (const event of await userEvents(scope)) {
    for (const [field, kind] of Object.entries(IDENTIFIERS)) {
      const change = event.changes?.[field];
      for (const value of [change?.before, change?.after]) if (typeof value === 'string' && value) held.add(`${kind}:${value}`);
    }
  }
  return [...held];
}

/** The counter keys of every identifier the user ever held. */
async function throttleKeys(scope: UserDataScope): Promise<string[]> {
  return (await identifiersEverHeld(scope)).map(identifierKey);
}

/** Values that name the person and find copies of the user in stored responses: its id and every identifier. */
async function personalNeedles(scope: UserDataScope): Promise<string[]> {
  const identifiers = (await identifiersEverHeld(scope)).map((i) => i.slice(i.indexOf(':') + 1));
  return [scope.user.id, ...new Set(identifiers)];
}

/**
 * Every part, in erasure order: the parts that read the user's identifiers run before the user's row is
 * tombstoned and its events are scrubbed; sessions end last, so the `user.logged_out` the erasure writes keeps
 * its reason and session ids (no personal data) after the earlier events lost theirs.
 */
export const USER_DATA_PARTS: readonly UserDataPart[] = [
  {
    name: 'credential',
    tables: ['credentials'],
    erasure: 'deleted',
    erase: ({ trx, ctx, user }) => deleteCredential(trx, ctx.tenantId, user.id),
    async export({ trx, ctx, user }) {
      // That a password exists and how it is hashed, never the hash itself.
      const credential = await findCredential(trx, ctx.tenantId, user.id);
      return credential ? { kind: 'password', hasher: credential.hasher, updatedAt: credential.updated_at.toISOString() } : null;
    },
  },
  {
    name: 'brands',
    tables: ['user_brands'],
    erasure: 'deleted',
    erase: ({ trx, ctx, user }) => deleteUserMemberships(trx, ctx.tenantId, user.id),
    export: async ({ user }) => user.brands.map((b) => ({ slug: b.slug, joinedAt: new Date(b.joinedAt).toISOString() })),
  },
  {
    name: 'companies',
    tables: ['company_members'],
    erasure: 'deleted (role and title are the person’s)',
    erase: ({ trx, ctx, user }) => deleteUserCompanyMemberships(trx, ctx.tenantId, user.id),
    async export({ trx, ctx, user }) {
      return (await listUserMemberships(trx, ctx.tenantId, user.id)).map(({ member, company }) => ({
        companyId: company.id,
        externalId: company.external_id,
        name: company.name,
        role: member.role,
        title: member.title,
        joinedAt: member.joined_at.toISOString(),
      }));
    },
  },
  {
    name: 'groups',
    tables: ['group_members'],
    erasure: 'deleted (each group’s version moves on; the groups stay)',
    erase: async ({ trx, ctx, user, now }) => {
      await deleteUserGroupMemberships(trx, ctx.tenantId, user.id, now);
    },
    async export({ trx, ctx, user }) {
      return (await listUserGroups(trx, ctx.tenantId, user.id)).map((g) => ({
        groupId: g.id,
        displayName: g.display_name,
        externalId: g.external_id,
        roles: g.roles,
        joinedAt: g.joined_at_member.toISOString(),
      }));
    },
  },
  {
    name: 'plans',
    tables: ['user_plans'],
    erasure: 'kept as anonymous history: ids and dates only',
    // Nothing personal is stored here (ids and dates), and plan reports stay true after an erasure.
    erase: async () => {},
    async export({ trx, ctx, user }) {
      return (await listUserAssignments(trx, ctx.tenantId, user.id)).map((a) => ({
        id: a.id,
        planId: a.plan_id,
        validFrom: a.valid_from.toISOString(),
        validTo: a.valid_to?.toISOString() ?? null,
        endedAt: a.ended_at?.toISOString() ?? null,
      }));
    },
  },
  {
    name: 'uniqueAttributeValues',
    tables: ['unique_attribute_values'],
    erasure: 'deleted (the values are the person’s; the attribute definitions stay)',
    erase: ({ trx, ctx, user }) => deleteUserUniqueValues(trx, ctx.tenantId, user.id),
    export: ({ trx, ctx, user }) => listUserUniqueValues(trx, ctx.tenantId, user.id),
  },
  {
    name: 'identities',
    tables: ['user_identities'],
    erasure: 'deleted: a link names the person at the provider',
    erase: ({ trx, ctx, user }) => deleteUserIdentities(trx, ctx.tenantId, user.id),
    async export({ trx, ctx, user }) {
      return (await listUserIdentities(trx, ctx.tenantId, user.id)).map((i) => ({
        providerId: i.provider_id,
        provider: i.provider_name,
        type: i.provider_type,
        subject: i.subject,
        linkedAt: i.linked_at.toISOString(),
      }));
    },
  },
  {
    name: 'signinThrottle',
    tables: ['signin_failures'],
    erasure: 'the counters keyed by any email, phone or external id the user ever held are deleted (IP counters name no user and stay)',
    async erase(scope) {
      await deleteSigninFailures(scope.trx, scope.ctx.tenantId, await throttleKeys(scope));
    },
    async export(scope) {
      return (await listSigninFailures(scope.trx, scope.ctx.tenantId, await throttleKeys(scope))).map((f) => ({
        identifier: f.key.slice('id:'.length),
        failures: f.failures,
        windowStartedAt: new Date(f.window_started_at).toISOString(),
        blockedUntil: f.blocked_until ? new Date(f.blocked_until).toISOString() : null,
      }));
    },
  },
  {
    name: 'idempotencyRecords',
    tables: ['idempotency_keys'],
    erasure: 'stored responses that mention the user are forgotten (a retry with that key runs again)',
    async erase(scope) {
      await deleteRecordsMentioning(scope.trx, scope.ctx.tenantId, await personalNeedles(scope));
    },
    async export(scope) {
      // The keys and when, not the stored bodies: those are copies of what the other parts export.
      return (await listRecordsMentioning(scope.trx, scope.ctx.tenantId, await personalNeedles(scope))).map((r) => ({
        key: r.key,
        statusCode: r.status_code,
        createdAt: new Date(r.created_at).toISOString(),
      }));
    },
  },
  {
    name: 'user',
    tables: ['users'],
    erasure: 'an anonymous tombstone: id, number and timestamps; every personal field, role and attribute cleared',
    async erase({ trx, ctx, user, now }) {
      await tombstoneUser(trx, ctx.tenantId, user.id, now);
    },
    export: async ({ user }) => toUserView(user, user.brands),
  },
  {
    name: 'events',
    tables: ['events'],
    erasure: 'kept as an audit trail of types and times: changes and data set to null',
    erase: ({ trx, ctx, user }) => scrubUserEvents(trx, ctx.tenantId, user.id),
    async export(scope) {
      return (await userEvents(scope)).map((e) => ({
        id: e.id,
        type: e.type,
        actor: e.actor,
        source: e.source,
        requestId: e.request_id,
        changes: e.changes,
        data: e.data,
        createdAt: new Date(e.created_at).toISOString(),
      }));
    },
  },
  {
    name: 'importErrors',
    tables: ['import_errors'],
    erasure: 'deleted: the report rows of failed import rows that named one of the identifiers the user ever held',
    async erase(scope) {
      await deleteRowErrorsNaming(scope.trx, scope.ctx.tenantId, await personalNeedles(scope));
    },
    async export(scope) {
      return (await listRowErrorsNaming(scope.trx, scope.ctx.tenantId, await personalNeedles(scope))).map((e) => ({
        importId: e.job_id,
        row: Number(e.row_number),
        field: e.field,
        code: e.code,
        message: e.message,
        identifiers: e.identifiers,
      }));
    },
  },
  {
    name: 'webhookDeliveries',
    tables: ['webhook_messages'],
    erasure: 'deleted, pending ones included: nothing more is sent about the user (the delivery log keeps event ids and answers only)',
    erase: ({ trx, ctx, user }) => deleteUserMessages(trx, ctx.tenantId, user.id),
    async export({ trx, ctx, user }) {
      return (await listUserMessages(trx, ctx.tenantId, user.id)).map((m) => ({
        endpointId: m.endpoint_id,
        eventId: m.event_id,
        status: m.status,
        attempts: m.attempts,
        deliveredAt: m.delivered_at?.toISOString() ?? null,
      }));
    },
  },
  {
    name: 'sessions',
    tables: ['sessions', 'refresh_tokens'],
    erasure: 'ended (user.logged_out), then deleted with their refresh tokens: they hold the IP address and user agent',
    async erase({ trx, ctx, user, now, events }) {
      await endUserSessions(trx, events, ctx, user.id, 'erased', now);
      await deleteUserSessions(trx, ctx.tenantId, user.id);
    },
    async export({ trx, ctx, user }) {
      return (await listUserSessions(trx, ctx.tenantId, user.id)).map((s) => ({
        id: s.id,
        method: s.method,
        ip: s.ip,
        userAgent: s.user_agent,
        createdAt: s.created_at.toISOString(),
        refreshedAt: s.refreshed_at.toISOString(),
        expiresAt: s.expires_at.toISOString(),
        revokedAt: s.revoked_at?.toISOString() ?? null,
        revokedReason: s.revoked_reason,
      }));
    },
  },
];

/**
 * Tables that hold no rows about one user, and why. With USER_DATA_PARTS this covers every table of the
 * schema; a test fails on a table in neither list.
 */
export const NO_USER_DATA: Readonly<Record<string, string>> = {
  roster_settings: 'process settings (the admin token digest)',
  tenants: 'the tenant itself',
  tenant_hosts: 'the tenant’s host names',
  brands: 'the tenant’s brands; memberships are in user_brands',
  api_keys: 'the tenant’s keys',
  attribute_definitions: 'the tenant’s attribute schema; values are on the user',
  signing_keys: 'token signing keys, shared by every tenant',
  companies: 'organizations; memberships are in company_members',
  plans: 'the plan catalogue; assignments are in user_plans',
  plan_numbers: 'a per-tenant counter',
  roles: 'the tenant’s role definitions; a user’s roles are on the user',
  groups: 'the tenant’s groups; memberships are in group_members',
  identity_providers: 'upstream directory settings; links are in user_identities',
  webhook_endpoints: 'the tenant’s webhook endpoints',
  webhook_attempts: 'the delivery log: endpoint, event id, status and the receiver’s answer; no user column',
  feed_cursors: 'where the feed’s followers (webhook fan-out, NATS) have got to',
  import_jobs: 'import jobs: options, counts and timing; no row data',
  import_chunks: 'an import’s uploaded file, deleted when its job ends (it may hold rows of any user, not linked to one)',
  user_counts: 'per-tenant counters of users by status',
  operators: 'console operators: people of the platform, not users of a tenant',
  operator_sessions: 'console operators’ sessions',
  roster_migrations: 'migration bookkeeping',
  roster_migrations_lock: 'migration bookkeeping',
};
