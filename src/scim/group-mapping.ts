import type { ActorContext } from '../core/context.ts';
import { ScimError } from './protocol/errors.ts';
import { getInsensitive } from './protocol/filter-eval.ts';
import type { PatchOperation } from './protocol/patch.ts';
import { GROUP_SCHEMA } from './scim-schemas.ts';
import { versionTag } from './user-mapping.ts';

/** SCIM Group ⇄ core group. Pure: the port (scim-groups-port.ts) is the adapter over the groups core. */

/** A core group as SCIM needs it. */
export interface GroupRecord {
  id: string;
  displayName: string;
  externalId: string | null;
  members: { userId: string; display: string | null }[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What a group write asks for: the profile and member edits, applied by the groups service as one group change. */
export interface GroupChangeInput {
  displayName?: string;
  externalId?: string | null;
  /** Replace the member list wholesale (PUT, a replace of `members`). */
  setMembers?: string[];
  addMembers?: string[];
  removeMembers?: string[];
}

/** A page query of groups: exact displayName (case-insensitive) / externalId / member id, offset paging. */
export interface GroupListQuery {
  displayName?: string;
  externalId?: string;
  member?: string;
  offset: number;
  limit: number;
  /** Leave member lists out (Entra's and Okta's `excludedAttributes=members`): no member query at all. */
  excludeMembers?: boolean;
}

/** The groups service, as the SCIM Groups resource uses it. Errors are AppErrors from the core catalogue. */
export interface ScimGroupsPort {
  /** Writes answer the group after the change; `excludeMembers` leaves its member list out (not read). */
  createGroup(ctx: ActorContext, change: GroupChangeInput, excludeMembers?: boolean): Promise<GroupRecord>;
  replaceGroup(
    ctx: ActorContext,
    id: string,
    change: GroupChangeInput,
    expectedVersion?: number,
    excludeMembers?: boolean,
  ): Promise<GroupRecord>;
  patchGroup(
    ctx: ActorContext,
    id: string,
    change: GroupChangeInput,
    expectedVersion?: number,
    excludeMembers?: boolean,
  ): Promise<GroupRecord>;
  deleteGroup(ctx: ActorContext, id: string): Promise<void>;
  /** `excludeMembers`: the group without its member list (not read). */
  getGroup(ctx: ActorContext, id: string, excludeMembers?: boolean): Promise<GroupRecord>;
  findGroupByDisplayName(ctx: ActorContext, displayName: string): Promise<GroupRecord | null>;
  findGroupByExternalId(ctx: ActorContext, externalId: string): Promise<GroupRecord | null>;
  /** A page of groups with the exact total of matches. */
  listGroups(ctx: ActorContext, query: GroupListQuery): Promise<{ groups: GroupRecord[]; total: number }>;
}

/** The SCIM Group of a core group; `excludeMembers` for Entra's `excludedAttributes=members`. */
export function toScimGroup(group: GroupRecord, baseUrl: string, excludeMembers = false): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    displayName: group.displayName,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    ...(excludeMembers
      ? {}
      : {
          members: group.members.map((m) => ({
            value: m.userId,
            $ref: `${baseUrl}/Users/${m.userId}`,
            type: 'User',
            ...(m.display ? { display: m.display } : {}),
          })),
        }),
    meta: {
      resourceType: 'Group',
      created: group.createdAt,
      lastModified: group.updatedAt,
      location: `${baseUrl}/Groups/${group.id}`,
      version: versionTag(group.version),
    },
  };
}

function memberIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ScimError(400, 'invalidValue', 'members must be an array');
  return value.map((m) => {
    const id = typeof m === 'object' && m !== null ? getInsensitive(m as Record<string, unknown>, 'value') : undefined;
    if (typeof id !== 'string' || !id) throw new ScimError(400, 'invalidValue', 'every member needs a value (a user id)');
    return id;
  });
}

/**
 * The group change a POST or PUT body asks for (members set wholesale).
 * @throws ScimError 400 invalidSyntax (schemas), invalidValue (no displayName, malformed members)
 */
export function toGroupChange(body: Record<string, unknown>): GroupChangeInput {
  const schemas = getInsensitive(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.includes(GROUP_SCHEMA))
    throw new ScimError(400, 'invalidSyntax', `schemas must include ${GROUP_SCHEMA}`);
  const displayName = getInsensitive(body, 'displayName');
  if (typeof displayName !== 'string' || !displayName.trim()) throw new ScimError(400, 'invalidValue', 'displayName is required');
  const externalId = getInsensitive(body, 'externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string')
    throw new ScimError(400, 'invalidValue', 'externalId must be a string');
  return { displayName, externalId: (externalId as string | undefined) ?? null, setMembers: memberIds(getInsensitive(body, 'members')) };
}

/**
 * A Group PATCH as member add/remove lists (what Okta and Entra send), without loading the members: 1,000 members
 * added in one PATCH are one add list. Operations on `members` with or without a `members[value eq "…"]` filter,
 * on displayName and externalId.
 * @throws ScimError 400 invalidPath (another attribute), invalidValue, noTarget
 */
export function toGroupPatch(operations: PatchOperation[]): GroupChangeInput {
  const change: GroupChangeInput = {};
  const add = new Set<string>();
  const remove = new Set<string>();
  for (const op of operations) {
    const entries: [string, unknown, typeof op.path][] = op.path
      ? [[op.path.path.attr.toLowerCase(), op.value, op.path]]
      : Object.entries(op.value as Record<string, unknown>)
          // Okta's path-less replace carries the group's `id` (read-only, ignored as §3.5.1 says) with the change.
          .filter(([k]) => !['id', 'schemas', 'meta'].includes(k.toLowerCase()))
          .map(([k, v]) => [k.toLowerCase(), v, null]);
    for (const [attr, value, path] of entries) {
      if (attr === 'displayname') {
        if (typeof value !== 'string' || !value.trim()) throw new ScimError(400, 'invalidValue', 'displayName must be a non-empty string');
        change.displayName = value;
      } else if (attr === 'externalid') change.externalId = op.op === 'remove' ? null : (value as string);
      else if (attr === 'members') {
        const filtered = path?.filter;
        const ids =
          filtered?.kind === 'compare' &&
          filtered.op === 'eq' &&
          filtered.path.attr.toLowerCase() === 'value' &&
          typeof filtered.value === 'string'
            ? [filtered.value]
            : memberIds(value);
        if (op.op === 'add') {
          for (const id of ids) {
            remove.delete(id);
            add.add(id);
          }
        } else if (op.op === 'remove') {
          if (!filtered && value === undefined) change.setMembers = [];
          for (const id of ids) {
            add.delete(id);
            remove.add(id);
          }
        } else {
          change.setMembers = ids;
          add.clear();
          remove.clear();
        }
      } else throw new ScimError(400, 'invalidPath', `Groups do not have ${attr}`);
    }
  }
  if (add.size) change.addMembers = [...add];
  if (remove.size) change.removeMembers = [...remove];
  return change;
}
