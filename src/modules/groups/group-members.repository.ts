import { type Kysely, sql } from 'kysely';
import type { TimeIdPosition } from '../../core/cursor.ts';
import { afterTimeId } from '../../db/paging.ts';
import type { DB } from '../../db/schema.ts';
import { brandsOfUser, type UserWithBrands } from '../users/users.repository.ts';
import { uuidArray } from './groups.repository.ts';
import type { GroupWithCount } from './groups.ts';

/**
 * Of these ids, the live users of the tenant, each locked against erasure (FOR KEY SHARE, in id order so two
 * changes never wait on each other crosswise) for the rest of the transaction.
 */
export async function lockLiveUsers(db: Kysely<DB>, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('erased_at', 'is', null)
    .where(sql<boolean>`id = any(${uuidArray(ids)})`)
    .orderBy('id')
    .forKeyShare()
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Adds the users to the group in one statement; returns those that were not members (concurrent adds agree). */
export async function insertMembers(
  db: Kysely<DB>,
  tenantId: string,
  groupId: string,
  ids: readonly string[],
  now: Date,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await sql<{ user_id: string }>`
    insert into group_members (tenant_id, group_id, user_id, joined_at)
    select ${tenantId}::uuid, ${groupId}::uuid, v.id, ${now}::timestamptz from unnest(${uuidArray(ids)}) as v(id)
    on conflict (tenant_id, group_id, user_id) do nothing
    returning user_id`.execute(db);
  return result.rows.map((r) => r.user_id);
}

/** Removes these users from the group in one statement; returns those that were members. */
export async function deleteMembers(db: Kysely<DB>, tenantId: string, groupId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .where(sql<boolean>`user_id = any(${uuidArray(ids)})`)
    .returning('user_id')
    .execute();
  return rows.map((r) => r.user_id);
}

/** Removes every member not among `keep` in one statement; returns the ids removed. */
export async function deleteMembersNotIn(db: Kysely<DB>, tenantId: string, groupId: string, keep: readonly string[]): Promise<string[]> {
  const rows = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .$if(keep.length > 0, (qb) => qb.where(sql<boolean>`user_id <> all(${uuidArray(keep)})`))
    .returning('user_id')
    .execute();
  return rows.map((r) => r.user_id);
}

export async function findMember(db: Kysely<DB>, tenantId: string, groupId: string, userId: string) {
  return db
    .selectFrom('group_members')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

export type GroupMemberWithUser = UserWithBrands & { joined_at_member: Date };

/** One page of a group's members with their users, in (joined_at, user id) order after the cursor position. */
export async function listGroupMembers(
  db: Kysely<DB>,
  tenantId: string,
  groupId: string,
  after: TimeIdPosition | null,
  limit: number,
): Promise<GroupMemberWithUser[]> {
  let query = db
    .selectFrom('group_members as gm')
    .innerJoin('users', (join) => join.onRef('users.tenant_id', '=', 'gm.tenant_id').onRef('users.id', '=', 'gm.user_id'))
    .selectAll('users')
    .select(brandsOfUser)
    .select('gm.joined_at as joined_at_member')
    .where('gm.tenant_id', '=', tenantId)
    .where('gm.group_id', '=', groupId)
    .where('users.erased_at', 'is', null);
  if (after) query = query.where(afterTimeId('gm.joined_at', 'gm.user_id', after));
  return query.orderBy('gm.joined_at').orderBy('gm.user_id').limit(limit).execute();
}

/** Every member id of each group, for adapters that show whole member lists (SCIM): one statement for a page. */
export async function memberIdsOfGroups(db: Kysely<DB>, tenantId: string, groupIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('group_members')
    .select(['group_id', 'user_id'])
    .where('tenant_id', '=', tenantId)
    .where(sql<boolean>`group_id = any(${uuidArray(groupIds)})`)
    .orderBy('group_id')
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute();
  for (const row of rows) out.get(row.group_id)?.push(row.user_id);
  return out;
}

/**
 * A users query's column `groups`: each row's groups (id, displayName), oldest membership first, as groupsOfUsers
 * orders them; lets a page of users come with their groups in its own statement (index group_members_user_idx).
 */
export const groupsOfUserColumn = sql<{ id: string; displayName: string }[]>`coalesce((
  select json_agg(json_build_object('id', g.id, 'displayName', g.display_name) order by m.joined_at, g.id)
  from group_members m join groups g on g.tenant_id = m.tenant_id and g.id = m.group_id
  where m.tenant_id = users.tenant_id and m.user_id = users.id), '[]'::json)`.as('groups');

/** The groups (id, display name) of each user, oldest membership first, in one statement for any number of users. */
export async function groupsOfUsers(
  db: Kysely<DB>,
  tenantId: string,
  userIds: readonly string[],
): Promise<Map<string, { id: string; displayName: string }[]>> {
  const out = new Map<string, { id: string; displayName: string }[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('group_members as m')
    .innerJoin('groups', (join) => join.onRef('groups.tenant_id', '=', 'm.tenant_id').onRef('groups.id', '=', 'm.group_id'))
    .select(['m.user_id', 'groups.id', 'groups.display_name'])
    .where('m.tenant_id', '=', tenantId)
    .where(sql<boolean>`m.user_id = any(${uuidArray(userIds)})`)
    .orderBy('m.user_id')
    .orderBy('m.joined_at')
    .orderBy('groups.id')
    .execute();
  for (const row of rows) out.get(row.user_id)?.push({ id: row.id, displayName: row.display_name });
  return out;
}

/** The groups a user belongs to, oldest membership first, each with its member count. */
export async function listUserGroups(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
): Promise<(GroupWithCount & { joined_at_member: Date })[]> {
  return db
    .selectFrom('group_members as m')
    .innerJoin('groups', (join) => join.onRef('groups.tenant_id', '=', 'm.tenant_id').onRef('groups.id', '=', 'm.group_id'))
    .selectAll('groups')
    .select(
      sql<number>`(select count(*) from group_members gm where gm.tenant_id = groups.tenant_id and gm.group_id = groups.id)::int`.as(
        'member_count',
      ),
    )
    .select('m.joined_at as joined_at_member')
    .where('m.tenant_id', '=', tenantId)
    .where('m.user_id', '=', userId)
    .orderBy('m.joined_at')
    .orderBy('groups.id')
    .execute();
}

/** The roles each user holds through its groups (sorted, distinct), in one statement for any number of users. */
export async function groupRolesOfUsers(db: Kysely<DB>, tenantId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (userIds.length === 0) return out;
  const result = await sql<{ user_id: string; role: string }>`
    select distinct gm.user_id, r.role
    from group_members gm
    join groups g on g.tenant_id = gm.tenant_id and g.id = gm.group_id
    cross join lateral unnest(g.roles) as r(role)
    where gm.tenant_id = ${tenantId}::uuid and gm.user_id = any(${uuidArray(userIds)})
    order by gm.user_id, r.role`.execute(db);
  for (const row of result.rows) out.set(row.user_id, [...(out.get(row.user_id) ?? []), row.role]);
  return out;
}

/**
 * The roles a user holds through its groups (sorted, distinct), as a column `group_roles` correlated over `users`:
 * a list of users reads them in its own statement rather than in a second round trip (groupRolesOfUsers). The
 * per-user probe runs only when some group of the tenant carries roles: that test is uncorrelated, so PostgreSQL
 * evaluates it once per statement (an InitPlan over `groups_tenant_with_roles_idx`), and a tenant whose groups give
 * no roles pays nothing per row (the probe doubled a 50-user page's execution time). Same snapshot, so never stale.
 */
export function groupRolesOfUserColumn(tenantId: string) {
  return sql<string[]>`case when exists (select 1 from groups g0 where g0.tenant_id = ${tenantId} and g0.roles <> '{}')
  then coalesce((
    select array_agg(distinct r.role order by r.role)
    from group_members gm
    join groups g on g.tenant_id = gm.tenant_id and g.id = gm.group_id
    cross join lateral unnest(g.roles) as r(role)
    where gm.tenant_id = users.tenant_id and gm.user_id = users.id), '{}'::text[])
  else '{}'::text[] end`.as('group_roles');
}

/** A user's effective roles: its own roles and those of its groups, sorted and distinct. */
export function effectiveRoles(own: readonly string[], fromGroups: readonly string[] | undefined): string[] {
  return [...new Set([...own, ...(fromGroups ?? [])])].sort();
}

/** The effective roles of one user as of now (own ∪ groups'); empty for no such user. */
export async function effectiveRolesOfUser(db: Kysely<DB>, tenantId: string, userId: string): Promise<string[]> {
  const user = await db
    .selectFrom('users')
    .select('roles')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  if (!user) return [];
  return effectiveRoles(user.roles, (await groupRolesOfUsers(db, tenantId, [userId])).get(userId));
}

/**
 * Removes a user from every group (erasure), moving each group's version on; returns the groups it left.
 */
export async function deleteUserGroupMemberships(db: Kysely<DB>, tenantId: string, userId: string, now: Date): Promise<string[]> {
  const rows = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .returning('group_id')
    .execute();
  const groupIds = rows.map((r) => r.group_id);
  if (groupIds.length > 0) {
    await db
      .updateTable('groups')
      .set((eb) => ({ updated_at: now, version: eb('version', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`id = any(${uuidArray(groupIds)})`)
      .execute();
  }
  return groupIds;
}
