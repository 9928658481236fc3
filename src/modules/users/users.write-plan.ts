import type { ActorContext } from '../../core/context.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { hasScope } from '../api-keys/api-keys.ts';
import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';
import { checkAttributeValues, uniqueValueKey } from '../attributes/attributes.ts';
import type { Changes, EventInput } from '../events/events.service.ts';
import type { TenantRow } from '../tenants/tenants.table.ts';
import type { NewUser, UserUpdate } from './users.repository.ts';
import type { UserRow } from './users.table.ts';
import { gravatarUrl, mergeObject, normalizeUserInput, searchText, type UserColumns, type UserInput, validationError } from './users.ts';

/** What a write will change: columns to set, the change log for the event, unique attribute index updates. */
export interface WritePlan {
  update: UserUpdate;
  changes: Changes;
  uniqueValues: { name: string; value: string | null }[];
}

/** The row a planned create inserts: the plan's columns with the defaults a new user starts from. Throws nothing. */
export function newUserRow(p: WritePlan, id: string, now: Date): NewUser {
  const u = p.update;
  return {
    ...u,
    id,
    links: u.links ?? {},
    consents: u.consents ?? {},
    attributes: u.attributes ?? {},
    search_text: u.search_text ?? '',
    created_at: now,
  };
}

const CAMEL: Record<string, string> = {
  external_id: 'externalId',
  first_name: 'firstName',
  last_name: 'lastName',
  birth_date: 'birthDate',
  postal_code: 'postalCode',
  sessions_limit: 'sessionsLimit',
};

/** Roles to add to and take from the ones the user holds, applied to the row as it is when the write runs. */
export interface RoleEdit {
  add?: readonly string[];
  remove?: readonly string[];
}

/**
 * The roles a write sets: `input.roles` (a set) or the held ones, with the edit applied; undefined when the
 * write touches no roles. Planned against the locked row, so a concurrent role change is never lost.
 */
export function editedRoles(input: UserInput, existing: UserRow | null, edit?: RoleEdit): string[] | null | undefined {
  if (!edit || (!edit.add?.length && !edit.remove?.length)) return input.roles;
  const roles = new Set(input.roles !== undefined ? (input.roles ?? []) : (existing?.roles ?? []));
  for (const role of edit.add ?? []) roles.add(role);
  for (const role of edit.remove ?? []) roles.delete(role);
  return [...roles].sort();
}

const SEARCHED = new Set(['name', 'first_name', 'last_name', 'email', 'phone', 'external_id', 'username']);

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Plans a create (existing = null) or a merge-patch of an existing user.
 * @throws AppError VALIDATION_FAILED naming each invalid field; SCOPE_MISSING when roles change without `users:roles`.
 */
export function planUserWrite(
  ctx: ActorContext,
  input: UserInput,
  existing: UserRow | null,
  tenant: TenantRow,
  definitions: Map<string, AttributeDefinitionRow>,
  today: string,
  roles?: ReadonlySet<string>,
  roleEdit?: RoleEdit,
): WritePlan {
  const edited = editedRoles(input, existing, roleEdit);
  if (edited !== input.roles) input = { ...input, roles: edited };
  let columns: UserColumns;
  const errors: FieldError[] = [];
  try {
    columns = normalizeUserInput(input, { defaultCountry: existing?.country ?? tenant.default_country, today, roles });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    errors.push(...error.fieldErrors);
    columns = {};
  }
  if (input.attributes) errors.push(...checkAttributeValues(input.attributes, definitions, tenant.allow_freeform_attributes));
  if (errors.length > 0) throw validationError(errors);

  if (tenant.gravatar_pictures) fillGravatarPicture(columns, existing);

  if (!existing && columns.name === undefined && (columns.first_name || columns.last_name)) {
    columns.name = [columns.first_name, columns.last_name].filter(Boolean).join(' ');
  }

  const update: UserUpdate = {};
  const changes: Changes = {};
  const set = update as Record<string, unknown>;
  for (const [column, value] of Object.entries(columns)) {
    const before = existing ? (existing as unknown as Record<string, unknown>)[column] : null;
    if (existing && same(before, value)) continue;
    if (!existing && (value === null || (Array.isArray(value) && value.length === 0))) continue;
    set[column] = value;
    changes[CAMEL[column] ?? column] = { before: before ?? null, after: value };
  }
  if (update.roles !== undefined && !hasScope(ctx.scopes, 'users:roles')) {
    throw new AppError('SCOPE_MISSING', 'Changing roles needs the users:roles scope', { scope: 'users:roles' });
  }

  for (const key of ['links', 'consents'] as const) {
    const before = existing?.[key] ?? {};
    const after = mergeObject<unknown>(before, input[key] as Record<string, unknown> | null | undefined);
    if (!same(before, after)) {
      (set as Record<string, unknown>)[key] = after;
      changes[key] = { before, after };
    } else if (!existing) {
      set[key] = after;
    }
  }

  const uniqueValues: WritePlan['uniqueValues'] = [];
  const beforeAttributes = existing?.attributes ?? {};
  const attributes = mergeObject<unknown>(beforeAttributes, input.attributes);
  // `attributes: null` clears them all: every held attribute changes.
  const touched = input.attributes === null ? Object.keys(beforeAttributes) : Object.keys(input.attributes ?? {});
  for (const name of touched) {
    if (same(beforeAttributes[name], attributes[name])) continue;
    changes[`attributes.${name}`] = { before: beforeAttributes[name] ?? null, after: attributes[name] ?? null };
    if (definitions.get(name)?.is_unique) {
      uniqueValues.push({ name, value: attributes[name] === undefined ? null : uniqueValueKey(attributes[name]) });
    }
  }
  if (!existing || !same(beforeAttributes, attributes)) update.attributes = attributes;

  if (!existing || Object.keys(update).some((column) => SEARCHED.has(column))) {
    const merged = { ...(existing ?? {}), ...update } as UserRow;
    update.search_text = searchText(merged);
  }
  return { update, changes, uniqueValues };
}

/**
 * For a tenant with `gravatarPictures` on: a user left without a picture (or with the Gravatar picture of a former
 * email) gets the Gravatar URL of the email the write leaves. A picture the client set is kept.
 */
function fillGravatarPicture(columns: UserColumns, existing: UserRow | null): void {
  const email = columns.email !== undefined ? columns.email : (existing?.email ?? null);
  const picture = columns.picture !== undefined ? columns.picture : (existing?.picture ?? null);
  const automatic = picture === null || (existing?.email != null && picture === gravatarUrl(existing.email));
  if (automatic) columns.picture = email ? gravatarUrl(email) : null;
}

/** The events of a planned user write: its own, and user.roles_changed when the roles change. */
export function writeEvents(type: 'user.created' | 'user.updated' | 'attribute.set', userId: string, plan: WritePlan): EventInput[] {
  const out: EventInput[] = [{ type, userId, changes: plan.changes }];
  const roles = plan.changes.roles;
  if (roles) out.push({ type: 'user.roles_changed', userId, changes: { roles: { before: roles.before ?? [], after: roles.after } } });
  return out;
}

/** True when the plan changes nothing stored. */
export function isNoop(plan: WritePlan): boolean {
  return Object.keys(plan.changes).length === 0;
}
