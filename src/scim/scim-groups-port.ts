import type { ActorContext } from '../core/context.ts';
import type { GroupChange, GroupView } from '../modules/groups/groups.ts';
import type { UserView } from '../modules/users/users.ts';
import type { Registry } from '../registry.ts';
import type { GroupChangeInput, GroupListQuery, GroupRecord, ScimGroupsPort } from './group-mapping.ts';

/** What the SCIM Groups adapter uses of the registry. */
export type ScimGroupsDeps = Pick<Registry, 'groups' | 'groupMembers'>;

/** Members read per page when a whole member list is shown (one group's GET or write answer). */
const MEMBER_PAGE = 1000;

/** The name a member entry shows: the user's display name, else its username, else its email. */
export function memberDisplay(user: Pick<UserView, 'name' | 'username' | 'email'>): string | null {
  return user.name ?? user.username ?? user.email ?? null;
}

/**
 * The core GroupChange of a SCIM change. A replaced member list followed by adds or removes (one PATCH may send
 * both) is folded into one list, because the core takes `members` alone.
 */
export function toCoreChange(change: GroupChangeInput): GroupChange {
  const out: GroupChange = {};
  if (change.displayName !== undefined) out.displayName = change.displayName;
  if (change.externalId !== undefined) out.externalId = change.externalId;
  if (change.setMembers !== undefined) {
    const set = new Set(change.setMembers);
    for (const id of change.addMembers ?? []) set.add(id);
    for (const id of change.removeMembers ?? []) set.delete(id);
    out.members = [...set];
  } else {
    if (change.addMembers?.length) out.addMembers = change.addMembers;
    if (change.removeMembers?.length) out.removeMembers = change.removeMembers;
  }
  return out;
}

/**
 * `ScimGroupsPort` over `registry.groups` and `registry.groupMembers`: a thin adapter, every rule stays in the core
 * (one transaction per write, events, uniqueness, If-Match as `expectedVersion`). Errors are the core's AppErrors.
 */
export function createScimGroupsPort(registry: ScimGroupsDeps): ScimGroupsPort {
  /** One group with its whole member list and the members' display names. */
  async function withMembers(ctx: ActorContext, group: GroupView): Promise<GroupRecord> {
    const members: GroupRecord['members'] = [];
    let cursor: string | undefined;
    do {
      const page = await registry.groupMembers.listMembers(ctx, group.id, { limit: MEMBER_PAGE, ...(cursor ? { cursor } : {}) });
      for (const m of page.data) members.push({ userId: m.userId, display: memberDisplay(m.user) });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return record(group, members);
  }

  function record(group: GroupView, members: GroupRecord['members']): GroupRecord {
    return {
      id: group.id,
      displayName: group.displayName,
      externalId: group.externalId,
      members,
      createdAt: group.createdAt,
      updatedAt: group.updatedAt,
      version: group.version,
    };
  }

  return {
    async createGroup(ctx, change, excludeMembers = false) {
      const { displayName = '', ...rest } = toCoreChange(change);
      const { group } = await registry.groups.createGroup(ctx, { displayName, ...rest });
      return excludeMembers ? record(group, []) : withMembers(ctx, group);
    },
    async replaceGroup(ctx, id, change, expectedVersion, excludeMembers = false) {
      const core = toCoreChange(change);
      // A whole replace of what the SCIM Group has (displayName, externalId, members) as one change: `roles` are
      // Roster's, absent from the SCIM schema, and must survive an IdP's PUT (the core's replaceGroup clears them).
      const { group } = await registry.groups.changeGroup(
        ctx,
        id,
        { displayName: core.displayName ?? '', externalId: core.externalId ?? null, members: core.members ?? [] },
        { expectedVersion },
      );
      return excludeMembers ? record(group, []) : withMembers(ctx, group);
    },
    async patchGroup(ctx, id, change, expectedVersion, excludeMembers = false) {
      const { group } = await registry.groups.changeGroup(ctx, id, toCoreChange(change), { expectedVersion });
      return excludeMembers ? record(group, []) : withMembers(ctx, group);
    },
    deleteGroup: (ctx, id) => registry.groups.deleteGroup(ctx, id),
    async getGroup(ctx, id, excludeMembers = false) {
      const group = await registry.groups.getGroup(ctx, id);
      return excludeMembers ? record(group, []) : withMembers(ctx, group);
    },
    async findGroupByDisplayName(ctx, displayName) {
      const group = await registry.groups.findGroupByDisplayName(ctx, displayName);
      return group ? withMembers(ctx, group) : null;
    },
    async findGroupByExternalId(ctx, externalId) {
      const group = await registry.groups.findGroupByExternalId(ctx, externalId);
      return group ? withMembers(ctx, group) : null;
    },
    async listGroups(ctx, query: GroupListQuery) {
      const page = await registry.groups.listGroups(ctx, {
        ...(query.displayName !== undefined ? { displayName: query.displayName } : {}),
        ...(query.externalId !== undefined ? { externalId: query.externalId } : {}),
        ...(query.member !== undefined ? { member: query.member } : {}),
        offset: query.offset,
        limit: query.limit,
        count: true,
      });
      // A page's members in one statement (no query per group); list entries carry no display (docs/scim.md).
      const ids = query.excludeMembers
        ? new Map<string, string[]>()
        : await registry.groupMembers.memberIdsOf(
            ctx,
            page.data.map((g) => g.id),
          );
      return {
        total: page.total ?? page.data.length,
        groups: page.data.map((g) =>
          record(
            g,
            (ids.get(g.id) ?? []).map((userId) => ({ userId, display: null })),
          ),
        ),
      };
    },
  };
}
