import { type AliasedRawBuilder, type ExpressionBuilder, type Kysely, type RawBuilder, sql } from 'kysely';
import { containsPattern } from '../../db/paging.ts';
import type { DB } from '../../db/schema.ts';
import { brandsOfUser, type UserWithBrands } from './users.repository.ts';
import type { UserStatus } from './users.ts';

export interface UserFilter {
  status?: UserStatus;
  /** Holding this role, its own or through a group. */
  role?: string;
  email?: string;
  phone?: string;
  /** Compared case-insensitively. */
  username?: string;
  brandId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  q?: string;
  /** Containment filters on searchable attributes. */
  attributes?: Record<string, unknown>;
  companyId?: string;
  /** Members of this group. */
  groupId?: string;
  /** Users with an assignment of this plan (active or not, unless planActive says). */
  planId?: string;
  /** true: users holding an active assignment (of planId when given); false: users holding none. */
  planActive?: boolean;
  /** The instant `planActive` is judged at. */
  now?: Date;
}

/** The tenant's live users matching a filter, as a query to select from (the list and the export share it). */
export function filteredUsers(db: Kysely<DB>, tenantId: string, filter: UserFilter) {
  let query = db.selectFrom('users').where('users.tenant_id', '=', tenantId).where('users.erased_at', 'is', null);
  if (filter.status) query = query.where('users.status', '=', filter.status);
  if (filter.role) {
    const role = filter.role;
    // Effective roles: the user's own, or those of a group it belongs to.
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`users.roles @> array[${role}]::text[]`,
        eb.exists(
          eb
            .selectFrom('group_members as gm')
            .innerJoin('groups as g', (join) => join.onRef('g.tenant_id', '=', 'gm.tenant_id').onRef('g.id', '=', 'gm.group_id'))
            .select(sql`1`.as('one'))
            .whereRef('gm.tenant_id', '=', 'users.tenant_id')
            .whereRef('gm.user_id', '=', 'users.id')
            .where(sql<boolean>`g.roles @> array[${role}]::text[]`),
        ),
      ]),
    );
  }
  if (filter.email) query = query.where('users.email', '=', filter.email);
  if (filter.phone) query = query.where('users.phone', '=', filter.phone);
  if (filter.username) query = query.where(sql<string>`lower(users.username)`, '=', filter.username.trim().toLowerCase());
  if (filter.createdAfter) query = query.where('users.created_at', '>', filter.createdAfter);
  if (filter.createdBefore) query = query.where('users.created_at', '<', filter.createdBefore);
  if (filter.q) query = query.where('users.search_text', 'like', containsPattern(filter.q));
  if (filter.attributes && Object.keys(filter.attributes).length > 0) {
    query = query.where(sql<boolean>`users.attributes @> ${JSON.stringify(filter.attributes)}::jsonb`);
  }
  if (filter.brandId) {
    const brandId = filter.brandId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('user_brands as ub')
          .select(sql`1`.as('one'))
          .whereRef('ub.tenant_id', '=', 'users.tenant_id')
          .whereRef('ub.user_id', '=', 'users.id')
          .where('ub.brand_id', '=', brandId),
      ),
    );
  }
  if (filter.companyId) {
    const companyId = filter.companyId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('company_members as cm')
          .select(sql`1`.as('one'))
          .whereRef('cm.tenant_id', '=', 'users.tenant_id')
          .whereRef('cm.user_id', '=', 'users.id')
          .where('cm.company_id', '=', companyId),
      ),
    );
  }
  if (filter.groupId) {
    const groupId = filter.groupId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('group_members as gm')
          .select(sql`1`.as('one'))
          .whereRef('gm.tenant_id', '=', 'users.tenant_id')
          .whereRef('gm.user_id', '=', 'users.id')
          .where('gm.group_id', '=', groupId),
      ),
    );
  }
  if (filter.planId || filter.planActive !== undefined) {
    const { planId, planActive } = filter;
    const now = filter.now ?? new Date();
    const holds = (eb: ExpressionBuilder<DB, 'users'>, active: boolean) =>
      eb.exists(
        eb
          .selectFrom('user_plans as up')
          .select(sql`1`.as('one'))
          .whereRef('up.tenant_id', '=', 'users.tenant_id')
          .whereRef('up.user_id', '=', 'users.id')
          .$if(planId !== undefined, (qb) => qb.where('up.plan_id', '=', planId as string))
          .$if(active, (qb) =>
            qb
              .where('up.ended_at', 'is', null)
              .where('up.valid_from', '<=', now)
              .where((w) => w.or([w('up.valid_to', 'is', null), w('up.valid_to', '>', now)])),
          ),
      );
    query = query.where((eb) => {
      if (planActive === undefined) return holds(eb, false);
      if (planActive) return holds(eb, true);
      // Lapsed: held the named plan but holds it no longer; without a plan, holds no active plan at all.
      return planId ? eb.and([holds(eb, false), eb.not(holds(eb, true))]) : eb.not(holds(eb, true));
    });
  }
  return query;
}

/** A column a users list can be ordered by; the id breaks ties in the same direction. */
export type UserSortColumn = 'created_at' | 'updated_at' | 'email' | 'name';

export interface UserOrder {
  column: UserSortColumn;
  descending: boolean;
}

/** Where a page ends in its order: the sort column's value (null for a user without one) and the id. */
export interface UserPosition {
  value: Date | string | null;
  id: string;
}

/** The default order: creation, oldest first (the (tenant_id, created_at, id) index). */
export const BY_CREATION: UserOrder = { column: 'created_at', descending: false };

const NULLABLE: ReadonlySet<UserSortColumn> = new Set(['email', 'name']);

/**
 * One page of a tenant's users in `order` (then by id), after the cursor position or skipping `offset` rows.
 * Nulls come last ascending and first descending (PostgreSQL's own order, so a btree on the column serves either
 * direction). A position inside the non-null run of a nullable column reads on in two steps, the rest of that run
 * and then the null run: one `or` condition across both would keep the index from seeking to the position.
 * `extra` adds columns (correlated over `users`, or constant ones such as countersTotalColumn) to the statement, so
 * what a page needs besides the rows comes in the same round trip.
 */
export async function listUsers<Extra extends Record<string, unknown> = Record<never, never>>(
  db: Kysely<DB>,
  tenantId: string,
  filter: UserFilter,
  after: UserPosition | null,
  limit: number,
  offset = 0,
  order: UserOrder = BY_CREATION,
  extra: readonly AliasedRawBuilder<unknown, string>[] = [],
): Promise<(UserWithBrands & Extra)[]> {
  const column = sql.ref(`users.${order.column}`);
  const idOrder = sql.raw(order.descending ? 'desc' : 'asc');
  const page = (condition: RawBuilder<boolean> | null, rows: number) =>
    filteredUsers(db, tenantId, filter)
      .selectAll('users')
      .select(brandsOfUser)
      .select(extra as AliasedRawBuilder<unknown, 'extra'>[])
      .$if(condition !== null, (qb) => qb.where(condition as RawBuilder<boolean>))
      .orderBy(sql`${column} ${sql.raw(order.descending ? 'desc nulls first' : 'asc nulls last')}`)
      .orderBy(sql`users.id ${idOrder}`)
      .limit(rows)
      .$if(offset > 0, (qb) => qb.offset(offset))
      .execute() as unknown as Promise<(UserWithBrands & Extra)[]>;
  if (!after) return page(null, limit);
  const beyond = sql.raw(order.descending ? '<' : '>');
  const { value, id } = after;
  const nullable = NULLABLE.has(order.column);
  // The run the position is in, from the position on; then (nullable columns) the run that follows it.
  const first =
    value === null
      ? sql<boolean>`(${column} is null and users.id ${beyond} ${id})`
      : sql<boolean>`(${column}, users.id) ${beyond} (${value}, ${id})`;
  const rows = await page(first, limit);
  const followedByNulls = nullable && value !== null && !order.descending;
  const followedByValues = nullable && value === null && order.descending;
  if (rows.length >= limit || !(followedByNulls || followedByValues)) return rows;
  const rest = await page(followedByNulls ? sql<boolean>`${column} is null` : sql<boolean>`${column} is not null`, limit - rows.length);
  return [...rows, ...rest];
}

/** Filter keys the maintained counters answer (with `now`, which only qualifies a plan filter). */
const COUNTED_KEYS = new Set(['status', 'now']);

/** Whether the maintained per-status counters answer this filter (none, or status alone). */
export function countedByCounters(filter: UserFilter): boolean {
  return Object.entries(filter).every(([key, value]) => value === undefined || COUNTED_KEYS.has(key));
}

/**
 * The total the counters give for a filter that countedByCounters accepts, as a column `counted_total` (text: a
 * bigint sum) that PostgreSQL computes once per statement: a list page carries its exact total in its own statement.
 */
export function countersTotalColumn(tenantId: string, filter: UserFilter): AliasedRawBuilder<string, 'counted_total'> {
  const status = filter.status ? sql` and status = ${filter.status}` : sql``;
  return sql<string>`(select coalesce(sum(n), 0) from user_counts where tenant_id = ${tenantId}${status})`.as('counted_total');
}

/**
 * Exact number of a tenant's users matching the filter. Unfiltered and status-only totals read the counters the
 * triggers of migration 0011 keep in every writing transaction (at most 16 rows per status); any other filter
 * counts the matching rows.
 */
export async function countUsers(db: Kysely<DB>, tenantId: string, filter: UserFilter): Promise<number> {
  if (countedByCounters(filter)) {
    const row = await db
      .selectFrom('user_counts')
      .where('tenant_id', '=', tenantId)
      .$if(Boolean(filter.status), (qb) => qb.where('status', '=', filter.status as string))
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('n'), sql<number>`0`).as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  const row = await filteredUsers(db, tenantId, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
