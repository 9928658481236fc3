import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { decodeTimeIdCursor, timeIdPage } from '../../core/cursor.ts';
import { validationFailed } from '../../core/error-helpers.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { type Ids, isUuid } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { Changes, EventInput, EventsService } from '../events/events.service.ts';
import type { RolesService } from '../roles/roles.service.ts';
import { deleteMembers, deleteMembersNotIn, insertMembers, lockLiveUsers } from './group-members.repository.ts';
import {
  countGroups,
  deleteGroup,
  findGroupByDisplayName,
  findGroupByExternalId,
  findGroupById,
  type GroupFilter,
  insertGroup,
  listGroups,
  lockGroup,
  updateGroup,
} from './groups.repository.ts';
import {
  changedColumns,
  checkGroupChange,
  type GroupChange,
  type GroupCreate,
  type GroupView,
  type GroupWithCount,
  groupNotFound,
  planGroupWrite,
  toGroupView,
} from './groups.ts';

export interface GroupsDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  roles: Pick<RolesService, 'rolesOf'>;
}

/** What one group write did: the group after it, and exactly what changed. */
export interface GroupWriteResult {
  group: GroupView;
  /** The write created the group. */
  created: boolean;
  /** `displayName`, `externalId`, `roles` that changed, each `{before, after}` (every field set, on a create). */
  changes: Changes;
  /** Users who became members, in the order the call named them. */
  membersAdded: string[];
  /** Users who stopped being members. */
  membersRemoved: string[];
  /** False for a write that changed nothing: no row moved, no event was written, the version stayed. */
  changed: boolean;
}

export interface GroupListQuery {
  displayName?: string;
  externalId?: string;
  /** A user id: the groups it belongs to. */
  member?: string;
  q?: string;
  cursor?: string;
  /** Rows to skip (SCIM's startIndex - 1); not with `cursor`. */
  offset?: number;
  limit?: number;
  /** Add the exact `total` of matching groups. */
  count?: boolean;
}

export interface GroupPage {
  data: GroupView[];
  nextCursor: string | null;
  total?: number;
}

/** Events one insert statement carries at most (the parameters of a multi-row insert are bounded). */
const EVENTS_PER_STATEMENT = 1000;

export interface GroupsService {
  /**
   * Creates a group with its first members (`members`, any number, written set-based) in one transaction:
   * `group.created` and one `group.member_added` per member.
   * @throws AppError VALIDATION_FAILED (blank displayName, unknown role, a member id that is no live user of the
   *   tenant: `members[i]` with code `not_found`), GROUP_DISPLAY_NAME_TAKEN, GROUP_EXTERNAL_ID_TAKEN (each with
   *   `existingId`)
   */
  createGroup(ctx: ActorContext, input: GroupCreate): Promise<GroupWriteResult>;
  /**
   * Changes a group atomically: fields (absent: left alone, null clears externalId or roles), and the members either
   * as a whole list (`members`, the SCIM PUT) or as `addMembers` / `removeMembers` (SCIM PATCH), set-based for any
   * number. Adding a member twice or removing a non-member is a no-op; a change that changes nothing writes
   * nothing. With `expectedVersion`, fails unless the group is still at it.
   * @throws AppError GROUP_NOT_FOUND, PRECONDITION_FAILED (`currentVersion`), VALIDATION_FAILED (as createGroup;
   *   `members` with `addMembers`/`removeMembers`, or an id both added and removed), GROUP_DISPLAY_NAME_TAKEN,
   *   GROUP_EXTERNAL_ID_TAKEN
   */
  changeGroup(ctx: ActorContext, id: string, change: GroupChange, options?: { expectedVersion?: number }): Promise<GroupWriteResult>;
  /**
   * Replaces a group whole (SCIM PUT): absent externalId and roles become null and none, absent members none.
   * @throws AppError as changeGroup
   */
  replaceGroup(ctx: ActorContext, id: string, whole: GroupCreate, options?: { expectedVersion?: number }): Promise<GroupWriteResult>;
  /** Deletes the group and its memberships (`group.deleted`). @throws AppError GROUP_NOT_FOUND */
  deleteGroup(ctx: ActorContext, id: string): Promise<void>;
  /** @throws AppError GROUP_NOT_FOUND (also for another tenant's id and for an id that is no UUID) */
  getGroup(ctx: ActorContext, id: string): Promise<GroupView>;
  /** The group with this display name, compared case-insensitively; null when none. */
  findGroupByDisplayName(ctx: ActorContext, displayName: string): Promise<GroupView | null>;
  /** The group with this external id (exact); null when none. */
  findGroupByExternalId(ctx: ActorContext, externalId: string): Promise<GroupView | null>;
  /**
   * A page of groups in creation order, filtered by exact displayName (case-insensitive), exact externalId, member
   * and/or `q` (contains), paged by cursor or by offset, with the exact total when asked.
   * @throws AppError INVALID_PARAMETER (a malformed cursor; offset with cursor)
   */
  listGroups(ctx: ActorContext, query: GroupListQuery): Promise<GroupPage>;
}

/**
 * Adds the holder (`existingId`) to the GROUP_*_TAKEN the repository raised; other errors come back unchanged.
 * Runs outside the failed transaction.
 */
async function toGroupConflict(db: Kysely<DB>, tenantId: string, change: GroupChange, error: unknown): Promise<unknown> {
  if (!(error instanceof AppError)) return error;
  if (error.code === 'GROUP_DISPLAY_NAME_TAKEN' && change.displayName) {
    error.details.existingId = (await findGroupByDisplayName(db, tenantId, change.displayName.trim()))?.id ?? null;
  }
  if (error.code === 'GROUP_EXTERNAL_ID_TAKEN' && change.externalId) {
    error.details.existingId = (await findGroupByExternalId(db, tenantId, change.externalId.trim()))?.id ?? null;
  }
  return error;
}

/** Records events in statements of EVENTS_PER_STATEMENT, so a change of any number of members fits. */
export async function recordInChunks(events: EventsService, trx: Kysely<DB>, ctx: ActorContext, all: EventInput[]): Promise<void> {
  for (let i = 0; i < all.length; i += EVENTS_PER_STATEMENT) await events.record(trx, ctx, ...all.slice(i, i + EVENTS_PER_STATEMENT));
}

/** The field errors of member ids that are no live user, naming each one's position in the list the caller sent. */
function unknownMembers(raw: readonly string[] | undefined, field: string, found: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  (raw ?? []).forEach((id, i) => {
    if (!found.has(id.trim().toLowerCase())) errors.push({ field: `${field}[${i}]`, code: 'not_found', message: `no user ${id}` });
  });
  return errors;
}

export function createGroupsService(deps: GroupsDeps): GroupsService {
  const { db, clock, ids, events, roles } = deps;

  /**
   * The one write of a group: locks the users to add (against erasure), then the group, plans, writes the row
   * and the member set with set-based statements, and records every event, all inside `trx`.
   */
  async function writeGroup(
    trx: Kysely<DB>,
    ctx: ActorContext,
    target: { id: string; existing: boolean; expectedVersion?: number },
    change: GroupChange,
    allowedRoles: ReadonlySet<string>,
  ): Promise<Omit<GroupWriteResult, 'group'> & { row: GroupWithCount }> {
    const now = clock.now();
    // Checked before any lock, so a malformed change fails without waiting.
    const wanted = checkGroupChange(change, !target.existing, allowedRoles);
    const toAdd = wanted.set ?? wanted.add;
    const live = await lockLiveUsers(trx, ctx.tenantId, toAdd);
    if (live.size < toAdd.length) {
      throw validationFailed([
        ...unknownMembers(change.members, 'members', live),
        ...unknownMembers(change.addMembers, 'addMembers', live),
      ]);
    }
    let existing: GroupWithCount | null = null;
    if (target.existing) {
      existing = (await lockGroup(trx, ctx.tenantId, target.id)) ?? null;
      if (!existing) throw groupNotFound(target.id);
      if (target.expectedVersion !== undefined && existing.version !== target.expectedVersion) {
        throw new AppError('PRECONDITION_FAILED', 'The group has changed since that version', { currentVersion: existing.version });
      }
    }
    const { columns, changes, members } = planGroupWrite(change, existing, allowedRoles);
    if (!existing) {
      await insertGroup(trx, ctx.tenantId, {
        id: target.id,
        display_name: columns.display_name ?? '',
        external_id: columns.external_id ?? null,
        roles: columns.roles ?? [],
        created_at: now,
      });
    }
    // A new group has no members to remove.
    const removed = !existing
      ? []
      : members.set
        ? await deleteMembersNotIn(trx, ctx.tenantId, target.id, members.set)
        : await deleteMembers(trx, ctx.tenantId, target.id, members.remove);
    const inserted = new Set(await insertMembers(trx, ctx.tenantId, target.id, toAdd, now));
    const added = toAdd.filter((id) => inserted.has(id));
    const fields = existing ? changedColumns(columns, changes) : {};
    const changed = !existing || Object.keys(changes).length > 0 || added.length > 0 || removed.length > 0;
    if (existing && changed) await updateGroup(trx, ctx.tenantId, target.id, fields, now);
    const row = (await findGroupById(trx, ctx.tenantId, target.id)) as GroupWithCount;
    const ref = { groupId: row.id, displayName: row.display_name, externalId: row.external_id };
    const recorded: EventInput[] = [];
    if (!existing) recorded.push({ type: 'group.created', changes, data: ref });
    else if (Object.keys(changes).length > 0) recorded.push({ type: 'group.updated', changes, data: ref });
    for (const userId of added) recorded.push({ type: 'group.member_added', userId, data: ref });
    for (const userId of removed) recorded.push({ type: 'group.member_removed', userId, data: ref });
    await recordInChunks(events, trx, ctx, recorded);
    return { row, created: !existing, changes, membersAdded: added, membersRemoved: removed, changed };
  }

  async function write(
    ctx: ActorContext,
    target: { id: string; existing: boolean; expectedVersion?: number },
    change: GroupChange,
  ): Promise<GroupWriteResult> {
    const allowedRoles = await roles.rolesOf(ctx.tenantId);
    try {
      const { row, ...result } = await inTransaction(db, (trx) => writeGroup(trx, ctx, target, change, allowedRoles));
      return { group: toGroupView(row), ...result };
    } catch (error) {
      throw await toGroupConflict(db, ctx.tenantId, change, error);
    }
  }

  return {
    createGroup: (ctx, input) => write(ctx, { id: ids.uuid(), existing: false }, input),

    async changeGroup(ctx, id, change, options = {}) {
      if (!isUuid(id)) throw groupNotFound(id);
      return write(ctx, { id, existing: true, expectedVersion: options.expectedVersion }, change);
    },

    async replaceGroup(ctx, id, whole, options = {}) {
      if (!isUuid(id)) throw groupNotFound(id);
      const change: GroupChange = {
        displayName: whole.displayName,
        externalId: whole.externalId ?? null,
        roles: whole.roles ?? null,
        members: whole.members ?? [],
      };
      return write(ctx, { id, existing: true, expectedVersion: options.expectedVersion }, change);
    },

    async deleteGroup(ctx, id) {
      if (!isUuid(id)) throw groupNotFound(id);
      await inTransaction(db, async (trx) => {
        const group = await lockGroup(trx, ctx.tenantId, id);
        if (!group) throw groupNotFound(id);
        const members = await deleteGroup(trx, ctx.tenantId, id);
        if (members === null) throw groupNotFound(id);
        await events.record(trx, ctx, {
          type: 'group.deleted',
          data: { groupId: id, displayName: group.display_name, externalId: group.external_id, membersRemoved: members.length },
        });
      });
    },

    async getGroup(ctx, id) {
      const row = isUuid(id) ? await findGroupById(db, ctx.tenantId, id) : undefined;
      if (!row) throw groupNotFound(id);
      return toGroupView(row);
    },

    async findGroupByDisplayName(ctx, displayName) {
      const row = await findGroupByDisplayName(db, ctx.tenantId, displayName.trim());
      return row ? toGroupView(row) : null;
    },

    async findGroupByExternalId(ctx, externalId) {
      const row = await findGroupByExternalId(db, ctx.tenantId, externalId.trim());
      return row ? toGroupView(row) : null;
    },

    async listGroups(ctx, query) {
      const limit = query.limit ?? 50;
      if (query.offset !== undefined && query.cursor) {
        throw new AppError('INVALID_PARAMETER', 'offset cannot be combined with cursor', {}, [
          { field: 'offset', code: 'conflict', message: 'cannot be combined with cursor' },
        ]);
      }
      const after = decodeTimeIdCursor(query.cursor);
      const filter: GroupFilter = {};
      if (query.displayName !== undefined) filter.displayName = query.displayName.trim();
      if (query.externalId !== undefined) filter.externalId = query.externalId.trim();
      if (query.q?.trim()) filter.q = query.q.trim();
      if (query.member !== undefined) {
        const member = query.member.trim().toLowerCase();
        // No user has an id that is no UUID: such a filter matches nothing (and must not reach a uuid comparison).
        if (!isUuid(member)) return { data: [], nextCursor: null, ...(query.count ? { total: 0 } : {}) };
        filter.memberId = member;
      }
      const [rows, total] = await Promise.all([
        listGroups(db, ctx.tenantId, filter, after, limit + 1, query.offset ?? 0),
        query.count ? countGroups(db, ctx.tenantId, filter) : Promise.resolve(undefined),
      ]);
      const { page, nextCursor } = timeIdPage(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
      return { data: page.map(toGroupView), nextCursor, ...(total !== undefined ? { total } : {}) };
    },
  };
}
