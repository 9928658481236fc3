import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { brandsOfUser, type UserWithBrands } from './users.repository.ts';

export interface UserFilter {
  status?: string;
  role?: string;
  email?: string;
  phone?: string;
  brandId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  q?: string;
  /** Containment filters on searchable attributes. */
  attributes?: Record<string, unknown>;
}

function filtered(db: Kysely<DB>, tenantId: string, filter: UserFilter) {
  let query = db.selectFrom('users').where('users.tenant_id', '=', tenantId).where('users.erased_at', 'is', null);
  if (filter.status) query = query.where('users.status', '=', filter.status);
  if (filter.role) query = query.where(sql<boolean>`users.roles @> array[${filter.role}]::text[]`);
  if (filter.email) query = query.where('users.email', '=', filter.email);
  if (filter.phone) query = query.where('users.phone', '=', filter.phone);
  if (filter.createdAfter) query = query.where('users.created_at', '>', filter.createdAfter);
  if (filter.createdBefore) query = query.where('users.created_at', '<', filter.createdBefore);
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where('users.search_text', 'like', pattern);
  }
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
  return query;
}

/** One page of a tenant's users in (created_at, id) order, after the cursor position. */
export async function listUsers(
  db: Kysely<DB>,
  tenantId: string,
  filter: UserFilter,
  after: { createdAt: Date; id: string } | null,
  limit: number,
): Promise<UserWithBrands[]> {
  let query = filtered(db, tenantId, filter).selectAll('users').select(brandsOfUser);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('users.created_at', '>', after.createdAt),
        eb.and([eb('users.created_at', '=', after.createdAt), eb('users.id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('users.created_at').orderBy('users.id').limit(limit).execute();
}

/** Exact number of a tenant's users matching the filter. */
export async function countUsers(db: Kysely<DB>, tenantId: string, filter: UserFilter): Promise<number> {
  const row = await filtered(db, tenantId, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
