import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { TimeIdPosition } from '../../core/cursor.ts';
import { taken } from '../../core/error-helpers.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import { afterTimeId, containsPattern } from '../../db/paging.ts';
import type { DB } from '../../db/schema.ts';
import type { GroupColumns, GroupWithCount } from './groups.ts';

export interface NewGroup {
  id: string;
  display_name: string;
  external_id: string | null;
  roles: string[];
  created_at: Date;
}

/** What a taken display name or external id means; the service adds `existingId` once the failed transaction is over. */
const GROUP_UNIQUE: UniqueRules = {
  groups_tenant_display_name_key: () => taken('GROUP_DISPLAY_NAME_TAKEN', 'displayName', 'belongs to another group', { existingId: null }),
  groups_tenant_external_id_key: () => taken('GROUP_EXTERNAL_ID_TAKEN', 'externalId', 'belongs to another group', { existingId: null }),
};

/** The exact member count of the group of the row (an index-only count over group_members). */
const memberCount =
  sql<number>`(select count(*) from group_members gm where gm.tenant_id = groups.tenant_id and gm.group_id = groups.id)::int`.as(
    'member_count',
  );

function selectGroups(db: Kysely<DB>, tenantId: string) {
  return db.selectFrom('groups').selectAll('groups').select(memberCount).where('groups.tenant_id', '=', tenantId);
}

/**
 * Inserts a group.
 * @throws AppError GROUP_DISPLAY_NAME_TAKEN, GROUP_EXTERNAL_ID_TAKEN
 */
export async function insertGroup(db: Kysely<DB>, tenantId: string, group: NewGroup): Promise<void> {
  await withUniqueRules(GROUP_UNIQUE, () =>
    db
      .insertInto('groups')
      .values({ ...group, tenant_id: tenantId, updated_at: group.created_at })
      .execute(),
  );
}

export async function findGroupById(db: Kysely<DB>, tenantId: string, id: string): Promise<GroupWithCount | undefined> {
  return selectGroups(db, tenantId).where('groups.id', '=', id).executeTakeFirst();
}

/** Locks the group row for the rest of the transaction (every change of a group and of its members takes it). */
export async function lockGroup(db: Kysely<DB>, tenantId: string, id: string): Promise<GroupWithCount | undefined> {
  return selectGroups(db, tenantId).where('groups.id', '=', id).forUpdate('groups').executeTakeFirst();
}

/** By display name, compared case-insensitively (as the unique index does). */
export async function findGroupByDisplayName(db: Kysely<DB>, tenantId: string, displayName: string): Promise<GroupWithCount | undefined> {
  return selectGroups(db, tenantId).where(sql<SqlBool>`lower(groups.display_name) = lower(${displayName})`).executeTakeFirst();
}

export async function findGroupByExternalId(db: Kysely<DB>, tenantId: string, externalId: string): Promise<GroupWithCount | undefined> {
  return selectGroups(db, tenantId).where('groups.external_id', '=', externalId).executeTakeFirst();
}

/**
 * Writes changed columns (none: only the members changed) and moves the version on.
 * @throws AppError GROUP_DISPLAY_NAME_TAKEN, GROUP_EXTERNAL_ID_TAKEN
 */
export async function updateGroup(db: Kysely<DB>, tenantId: string, id: string, columns: GroupColumns, now: Date): Promise<void> {
  await withUniqueRules(GROUP_UNIQUE, () =>
    db
      .updateTable('groups')
      .set((eb) => ({ ...columns, updated_at: now, version: eb('version', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute(),
  );
}

/** Deletes a group with its memberships; returns the ids of its members then, or null when it was gone. */
export async function deleteGroup(db: Kysely<DB>, tenantId: string, id: string): Promise<string[] | null> {
  const members = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', id)
    .returning('user_id')
    .execute();
  const deleted = await db.deleteFrom('groups').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0 ? members.map((m) => m.user_id) : null;
}

/** Filters of a group list; each given one must hold. */
export interface GroupFilter {
  /** Exact, case-insensitive. */
  displayName?: string;
  externalId?: string;
  /** Groups this user belongs to. */
  memberId?: string;
  /** Display name or external id contains this, case-insensitive. */
  q?: string;
}

function filtered(db: Kysely<DB>, tenantId: string, filter: GroupFilter) {
  let query = db.selectFrom('groups').where('groups.tenant_id', '=', tenantId);
  if (filter.displayName !== undefined) query = query.where(sql<SqlBool>`lower(groups.display_name) = lower(${filter.displayName})`);
  if (filter.externalId !== undefined) query = query.where('groups.external_id', '=', filter.externalId);
  if (filter.memberId !== undefined) {
    const memberId = filter.memberId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('group_members as gm')
          .select(sql`1`.as('one'))
          .whereRef('gm.tenant_id', '=', 'groups.tenant_id')
          .whereRef('gm.group_id', '=', 'groups.id')
          .where('gm.user_id', '=', memberId),
      ),
    );
  }
  if (filter.q) {
    const pattern = containsPattern(filter.q);
    query = query.where((eb) =>
      eb.or([eb(eb.fn('lower', ['groups.display_name']), 'like', pattern), eb(eb.fn('lower', ['groups.external_id']), 'like', pattern)]),
    );
  }
  return query;
}

/** One page of a tenant's groups in (created_at, id) order, after the cursor position or skipping `offset` rows. */
export async function listGroups(
  db: Kysely<DB>,
  tenantId: string,
  filter: GroupFilter,
  after: TimeIdPosition | null,
  limit: number,
  offset = 0,
): Promise<GroupWithCount[]> {
  let query = filtered(db, tenantId, filter).selectAll('groups').select(memberCount);
  if (after) query = query.where(afterTimeId('groups.created_at', 'groups.id', after));
  return query
    .orderBy('groups.created_at')
    .orderBy('groups.id')
    .limit(limit)
    .$if(offset > 0, (qb) => qb.offset(offset))
    .execute();
}

/** Exact number of a tenant's groups matching the filter. */
export async function countGroups(db: Kysely<DB>, tenantId: string, filter: GroupFilter): Promise<number> {
  const row = await filtered(db, tenantId, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A JSON array of ids as one uuid[] value, so any number of ids is one parameter on both backends. It is an
 * uncorrelated scalar subquery (cast, so `= any(…)` reads it as an array, not as a row set), evaluated once per
 * statement (an InitPlan): `col = any(…)` then probes the index
 * for each id, where a set-returning subquery on the inner side of a join would re-parse the JSON per row.
 */
export function uuidArray(ids: readonly string[]): RawBuilder<string[]> {
  return sql<
    string[]
  >`(select coalesce(array_agg(v::uuid), '{}'::uuid[]) from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as v)::uuid[]`;
}
