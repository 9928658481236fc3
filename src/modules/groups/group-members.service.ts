import type { ActorContext } from '../../core/context.ts';
import { decodeTimeIdCursor, timeIdPage } from '../../core/cursor.ts';
import { notFound } from '../../core/error-helpers.ts';
import type { AppError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findUserById, lockLiveUser } from '../users/users.repository.ts';
import { toUserView, type UserView } from '../users/users.ts';
import {
  deleteMembers,
  effectiveRolesOfUser,
  findMember,
  groupsOfUsers,
  insertMembers,
  listGroupMembers,
  listUserGroups,
  memberIdsOfGroups,
} from './group-members.repository.ts';
import { findGroupById, lockGroup, updateGroup } from './groups.repository.ts';
import type { GroupsDeps } from './groups.service.ts';
import { type GroupView, groupNotFound, toGroupView } from './groups.ts';

export interface GroupMemberView {
  userId: string;
  user: UserView;
  joinedAt: string;
}

export interface GroupMembershipResult {
  /** A new membership (false: the user already was a member, and nothing was written). */
  created: boolean;
  groupId: string;
  userId: string;
  joinedAt: string;
}

export interface GroupMembersService {
  /**
   * Makes the user a member of the group. Race-safe: any number of parallel calls make one membership and one
   * `group.member_added`; the others answer `created: false`.
   * @throws AppError GROUP_NOT_FOUND, USER_NOT_FOUND (also for another tenant's ids)
   */
  addMember(ctx: ActorContext, groupId: string, userId: string): Promise<GroupMembershipResult>;
  /** Idempotent: removing a non-member writes nothing. @throws AppError GROUP_NOT_FOUND, USER_NOT_FOUND */
  removeMember(ctx: ActorContext, groupId: string, userId: string): Promise<void>;
  /** A page of members with their users, oldest membership first. @throws AppError GROUP_NOT_FOUND, INVALID_PARAMETER (cursor) */
  listMembers(
    ctx: ActorContext,
    groupId: string,
    query: { cursor?: string; limit?: number },
  ): Promise<{ data: GroupMemberView[]; nextCursor: string | null }>;
  /** Every member id of each group (ids of no group of the tenant map to none): SCIM's `members` for a page. */
  memberIdsOf(ctx: ActorContext, groupIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Each user's groups (id, displayName), oldest membership first, in one query for a page: SCIM's User `groups`. */
  groupsOfUsers(ctx: ActorContext, userIds: readonly string[]): Promise<Map<string, { id: string; displayName: string }[]>>;
  /** The groups a user belongs to, oldest membership first. @throws AppError USER_NOT_FOUND */
  listUserGroups(ctx: ActorContext, userId: string): Promise<{ group: GroupView; joinedAt: string }[]>;
  /** A user's effective roles (own ∪ its groups'); none for no such user. */
  effectiveRolesOf(ctx: ActorContext, userId: string): Promise<string[]>;
}

function userNotFound(id: string): AppError {
  return notFound('USER_NOT_FOUND', { id });
}

export function createGroupMembersService(deps: GroupsDeps): GroupMembersService {
  const { db, clock, events } = deps;

  /** Runs a membership write with the user locked against erasure, then the group (the order every group write takes). */
  function withMembership<T>(
    ctx: ActorContext,
    groupId: string,
    userId: string,
    work: (trx: typeof db, group: NonNullable<Awaited<ReturnType<typeof lockGroup>>>) => Promise<T>,
  ): Promise<T> {
    if (!isUuid(groupId)) return Promise.reject(groupNotFound(groupId));
    if (!isUuid(userId)) return Promise.reject(userNotFound(userId));
    return inTransaction(db, async (trx) => {
      // The user first: erasure locks the user, then its groups, so taking them the other way round could deadlock.
      if (!(await lockLiveUser(trx, ctx.tenantId, userId))) {
        throw (await findGroupById(trx, ctx.tenantId, groupId)) ? userNotFound(userId) : groupNotFound(groupId);
      }
      const group = await lockGroup(trx, ctx.tenantId, groupId);
      if (!group) throw groupNotFound(groupId);
      return work(trx, group);
    });
  }

  return {
    addMember: (ctx, groupId, rawUserId) => {
      const userId = rawUserId.toLowerCase();
      return withMembership(ctx, groupId, userId, async (trx, group) => {
        const now = clock.now();
        const added = await insertMembers(trx, ctx.tenantId, group.id, [userId], now);
        if (added.length === 0) {
          const member = await findMember(trx, ctx.tenantId, group.id, userId);
          return { created: false, groupId: group.id, userId, joinedAt: (member?.joined_at ?? now).toISOString() };
        }
        await updateGroup(trx, ctx.tenantId, group.id, {}, now);
        await events.record(trx, ctx, {
          type: 'group.member_added',
          userId,
          data: { groupId: group.id, displayName: group.display_name, externalId: group.external_id },
        });
        return { created: true, groupId: group.id, userId, joinedAt: now.toISOString() };
      });
    },

    removeMember: (ctx, groupId, rawUserId) => {
      const userId = rawUserId.toLowerCase();
      return withMembership(ctx, groupId, userId, async (trx, group) => {
        const removed = await deleteMembers(trx, ctx.tenantId, group.id, [userId]);
        if (removed.length === 0) return;
        await updateGroup(trx, ctx.tenantId, group.id, {}, clock.now());
        await events.record(trx, ctx, {
          type: 'group.member_removed',
          userId,
          data: { groupId: group.id, displayName: group.display_name, externalId: group.external_id },
        });
      });
    },

    async listMembers(ctx, groupId, query) {
      const limit = query.limit ?? 50;
      const after = decodeTimeIdCursor(query.cursor);
      const group = isUuid(groupId) ? await findGroupById(db, ctx.tenantId, groupId) : undefined;
      if (!group) throw groupNotFound(groupId);
      const rows = await listGroupMembers(db, ctx.tenantId, group.id, after, limit + 1);
      const { page, nextCursor } = timeIdPage(rows, limit, (row) => ({ at: row.joined_at_member, id: row.id }));
      return {
        data: page.map(({ joined_at_member, brands, ...user }) => ({
          userId: user.id,
          user: toUserView(user, brands),
          joinedAt: joined_at_member.toISOString(),
        })),
        nextCursor,
      };
    },

    groupsOfUsers: (ctx, userIds) => groupsOfUsers(db, ctx.tenantId, userIds.filter(isUuid)),

    memberIdsOf: (ctx, groupIds) => memberIdsOfGroups(db, ctx.tenantId, groupIds.filter(isUuid)),

    async listUserGroups(ctx, userId) {
      if (!isUuid(userId) || !(await findUserById(db, ctx.tenantId, userId))) throw userNotFound(userId);
      const rows = await listUserGroups(db, ctx.tenantId, userId);
      return rows.map(({ joined_at_member, ...group }) => ({ group: toGroupView(group), joinedAt: joined_at_member.toISOString() }));
    },

    effectiveRolesOf: (ctx, userId) => (isUuid(userId) ? effectiveRolesOfUser(db, ctx.tenantId, userId) : Promise.resolve([])),
  };
}
