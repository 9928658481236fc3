import type { Static } from 'typebox';
import { notFound, validationFailed } from '../../core/error-helpers.ts';
import type { AppError, FieldError } from '../../core/errors.ts';
import { changedValues, trimmedText } from '../../core/fields.ts';
import { isUuid } from '../../core/ids.ts';
import type { Changes } from '../events/events.service.ts';
import type { GroupCreateSchema, GroupPatchSchema, GroupSchema } from './groups.schemas.ts';
import type { GroupRow } from './groups.table.ts';

/** A group as the API shows it. */
export type GroupView = Static<typeof GroupSchema>;

/**
 * One change of a group, as the native PATCH body carries it and as every adapter (SCIM included) builds it:
 * absent fields are left alone, null clears `externalId` or `roles`. `members` replaces the whole member list;
 * `addMembers` / `removeMembers` edit it (not with `members`, and no id in both).
 */
export type GroupChange = Static<typeof GroupPatchSchema>;

/** A new group: a change with a display name. */
export type GroupCreate = Static<typeof GroupCreateSchema>;

/** Stored group columns a create or change sets. */
export interface GroupColumns {
  display_name?: string;
  external_id?: string | null;
  roles?: string[];
}

/** The member edits of a change, checked: ids deduplicated, in the order given. */
export interface MemberEdits {
  /** The whole member list, when the change replaces it. */
  set?: string[];
  add: string[];
  remove: string[];
}

/** A group row with its exact member count. */
export type GroupWithCount = GroupRow & { member_count: number };

/** The API view of a stored group. */
export function toGroupView(row: GroupWithCount): GroupView {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    roles: row.roles,
    memberCount: Number(row.member_count),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** Distinct ids of one member list, each checked to be a UUID (nothing else can name a user). */
function memberIds(ids: readonly string[] | undefined, field: string, errors: FieldError[], strict: boolean): string[] {
  const out = new Set<string>();
  (ids ?? []).forEach((raw, i) => {
    const id = raw.trim().toLowerCase();
    if (isUuid(id)) out.add(id);
    else if (strict) errors.push({ field: `${field}[${i}]`, code: 'not_found', message: `no user ${raw}` });
  });
  return [...out];
}

/**
 * The member edits of a change, checked: ids are UUIDs (ids to remove that are not are ignored: they name no
 * member), `members` comes alone, and no id is both added and removed.
 * @throws AppError VALIDATION_FAILED naming each invalid entry, unless `errors` collects them for the caller.
 */
export function memberEditsOf(input: GroupChange, errors?: FieldError[]): MemberEdits {
  const collected: FieldError[] = errors ?? [];
  if (input.members !== undefined && (input.addMembers !== undefined || input.removeMembers !== undefined)) {
    collected.push({
      field: 'members',
      code: 'conflict',
      message: 'replaces the member list: send it without addMembers or removeMembers',
    });
  }
  const set = input.members !== undefined ? memberIds(input.members, 'members', collected, true) : undefined;
  const add = memberIds(input.addMembers, 'addMembers', collected, true);
  const remove = memberIds(input.removeMembers, 'removeMembers', collected, false);
  const both = new Set(add.filter((id) => remove.includes(id)));
  if (both.size > 0) {
    collected.push({ field: 'removeMembers', code: 'conflict', message: `${[...both].join(', ')} is both added and removed` });
  }
  if (!errors && collected.length > 0) throw validationFailed(collected);
  return { ...(set ? { set } : {}), add, remove };
}

/**
 * Plans a group create (existing = null) or change: the columns to write, the field changes to record and the
 * member edits to apply. Roles must be in `allowedRoles` (built-in and the tenant's).
 * @throws AppError VALIDATION_FAILED naming each invalid field.
 */
export function planGroupWrite(
  input: GroupChange,
  existing: GroupRow | null,
  allowedRoles: ReadonlySet<string>,
): { columns: GroupColumns; changes: Changes; members: MemberEdits } {
  const errors: FieldError[] = [];
  const columns: GroupColumns = {};
  if (input.displayName !== undefined || !existing) {
    columns.display_name = trimmedText(input.displayName ?? null, 'displayName', errors, true) ?? '';
  }
  if (input.externalId !== undefined) columns.external_id = trimmedText(input.externalId, 'externalId', errors);
  if (input.roles !== undefined) {
    const roles = [...new Set((input.roles ?? []).map((r) => r.trim()))];
    roles.forEach((role, i) => {
      if (!allowedRoles.has(role))
        errors.push({ field: `roles[${i}]`, code: 'invalid_enum', message: `${role} is not a role of the tenant` });
    });
    columns.roles = roles.sort();
  }
  const members = memberEditsOf(input, errors);
  if (errors.length > 0) throw validationFailed(errors);

  const before: Record<string, unknown> = existing
    ? { displayName: existing.display_name, externalId: existing.external_id, roles: existing.roles }
    : {};
  const changes = changedValues(before, {
    ...('display_name' in columns ? { displayName: columns.display_name } : {}),
    ...('external_id' in columns ? { externalId: columns.external_id } : {}),
    ...('roles' in columns ? { roles: columns.roles } : {}),
  });
  return { columns, changes, members };
}

/** A group to plan a change against before the real one is read (and locked): only the checks matter then. */
const ANY_GROUP: GroupRow = {
  tenant_id: '',
  id: '',
  display_name: '',
  external_id: null,
  roles: [],
  created_at: new Date(0),
  updated_at: new Date(0),
  version: 0,
};

/**
 * Checks a create (`creating`) or a change before any lock is taken, reporting every invalid field at once.
 * @returns the member edits.
 * @throws AppError VALIDATION_FAILED naming each invalid field.
 */
export function checkGroupChange(input: GroupChange, creating: boolean, allowedRoles: ReadonlySet<string>): MemberEdits {
  return planGroupWrite(input, creating ? null : ANY_GROUP, allowedRoles).members;
}

/** The columns of a plan that differ from the group as it is (a rename to the same name writes nothing). */
export function changedColumns(columns: GroupColumns, changes: Changes): GroupColumns {
  const out: GroupColumns = {};
  if (changes.displayName) out.display_name = columns.display_name;
  // A change of case only is a rename too: changedValues compares exactly.
  if ('externalId' in changes) out.external_id = columns.external_id;
  if ('roles' in changes) out.roles = columns.roles;
  return out;
}

/** A GROUP_NOT_FOUND naming the reference the caller used. */
export function groupNotFound(ref: string, field?: string): AppError {
  return notFound('GROUP_NOT_FOUND', { group: ref }, { message: `Group ${ref} not found`, field, fieldMessage: `no group ${ref}` });
}
