import { type Expression, type Kysely, type QueryCreator, type SqlBool, sql } from 'kysely';
import { executeCompiled, Params } from '../../db/compiled-cache.ts';
import type { DB } from '../../db/schema.ts';
import type { UserRow } from './users.table.ts';
import type { BrandMembership } from './users.ts';

export type UserWithBrands = UserRow & { brands: BrandMembership[] };

/** A user's brand memberships as a JSON array, evaluated per row. */
export const brandsOfUser = sql<BrandMembership[]>`coalesce((
  select json_agg(json_build_object('slug', b.slug, 'joinedAt', ub.joined_at) order by ub.joined_at, b.slug)
  from user_brands ub join brands b on b.tenant_id = ub.tenant_id and b.id = ub.brand_id
  where ub.tenant_id = users.tenant_id and ub.user_id = users.id), '[]'::json)`.as('brands');

/** The tenant's live (not erased) users, each with its brand memberships. */
export function selectUsers(db: QueryCreator<DB>, tenantId: string) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .select(brandsOfUser)
    .where('users.tenant_id', '=', tenantId)
    .where('users.erased_at', 'is', null);
}

/** The first user of a compiled-once selectUsers query filtered on one column. */
async function findUserBy(
  db: Kysely<DB>,
  tenantId: string,
  column: 'id' | 'external_id' | 'email' | 'phone',
  value: string,
): Promise<UserWithBrands | undefined> {
  const params = new Params();
  params.add(tenantId);
  params.add(value);
  const rows = await executeCompiled<UserWithBrands>(db, `users.by(${column})`, params, (param) =>
    selectUsers(db, param(0)).where(`users.${column}`, '=', param<string>(1)),
  );
  return rows[0];
}

export async function findUserById(db: Kysely<DB>, tenantId: string, id: string): Promise<UserWithBrands | undefined> {
  return findUserBy(db, tenantId, 'id', id);
}

/** Locks the user row for the rest of the transaction. */
export async function findUserByIdForUpdate(db: Kysely<DB>, tenantId: string, id: string): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.id', '=', id).forUpdate('users').executeTakeFirst();
}

export async function findUserByExternalId(db: Kysely<DB>, tenantId: string, externalId: string): Promise<UserWithBrands | undefined> {
  return findUserBy(db, tenantId, 'external_id', externalId);
}

/** The user with this per-tenant number (dialects that address users by integer). */
export async function findUserByNumber(db: Kysely<DB>, tenantId: string, number: number): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.number', '=', number).executeTakeFirst();
}

export async function findUserByEmail(db: Kysely<DB>, tenantId: string, email: string): Promise<UserWithBrands | undefined> {
  return findUserBy(db, tenantId, 'email', email);
}

/** The user holding this username, compared case-insensitively (the unique index is on lower(username)). */
export async function findUserByUsername(db: Kysely<DB>, tenantId: string, username: string): Promise<UserWithBrands | undefined> {
  const params = new Params();
  params.add(tenantId);
  params.add(username.trim().toLowerCase());
  const rows = await executeCompiled<UserWithBrands>(db, 'users.by(username)', params, (param) =>
    selectUsers(db, param(0)).where(sql<string>`lower(users.username)`, '=', param<string>(1)),
  );
  return rows[0];
}

export async function findUserByPhone(db: Kysely<DB>, tenantId: string, phone: string): Promise<UserWithBrands | undefined> {
  return findUserBy(db, tenantId, 'phone', phone);
}

/** Users holding this email or this phone (at most two). */
export async function findUsersByEmailOrPhone(
  db: Kysely<DB>,
  tenantId: string,
  email: string | null,
  phone: string | null,
): Promise<UserWithBrands[]> {
  const params = new Params();
  const t = params.add(tenantId);
  const e = email ? params.add(email) : -1;
  const p = phone ? params.add(phone) : -1;
  return executeCompiled<UserWithBrands>(db, `users.byEmailOrPhone(${email ? 'email' : ''},${phone ? 'phone' : ''})`, params, (param) =>
    holdersOf(db, param(t), email ? param(e) : null, phone ? param(p) : null),
  );
}

/** Users holding this email or this phone, oldest first, at most two. */
export function holdersOf(db: QueryCreator<DB>, tenantId: string, email: string | null, phone: string | null) {
  return selectUsers(db, tenantId)
    .where((eb) => {
      const terms: Expression<SqlBool>[] = [];
      if (email) terms.push(eb('users.email', '=', email));
      if (phone) terms.push(eb('users.phone', '=', phone));
      return eb.or(terms);
    })
    .orderBy('users.created_at')
    .limit(2);
}

/**
 * Whether the user exists and is not erased, holding a key-share lock on its row for the rest of the
 * transaction: rows that reference the user (memberships, plans) can be added meanwhile, but an erase waits.
 */
export async function lockLiveUser(db: Kysely<DB>, tenantId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .forKeyShare()
    .executeTakeFirst();
  return row !== undefined;
}
