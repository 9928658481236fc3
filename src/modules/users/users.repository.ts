import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { userNumberSequence } from '../tenants/tenants.repository.ts';
import type { UserRow } from './users.table.ts';
import type { BrandMembership, UserColumns } from './users.ts';

export type UserWithBrands = UserRow & { brands: BrandMembership[] };

/** A user's brand memberships as a JSON array, evaluated per row. */
export const brandsOfUser = sql<BrandMembership[]>`coalesce((
  select json_agg(json_build_object('slug', b.slug, 'joinedAt', ub.joined_at) order by ub.joined_at, b.slug)
  from user_brands ub join brands b on b.tenant_id = ub.tenant_id and b.id = ub.brand_id
  where ub.tenant_id = users.tenant_id and ub.user_id = users.id), '[]'::json)`.as('brands');

export interface NewUser extends UserColumns {
  id: string;
  links: Record<string, string>;
  consents: Record<string, boolean>;
  attributes: Record<string, unknown>;
  search_text: string;
  created_at: Date;
}

function selectUsers(db: Kysely<DB>, tenantId: string) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .select(brandsOfUser)
    .where('users.tenant_id', '=', tenantId)
    .where('users.erased_at', 'is', null);
}

function insertValues(tenantId: string, user: NewUser) {
  const { links, consents, attributes, created_at, ...columns } = user;
  return {
    ...columns,
    tenant_id: tenantId,
    number: sql<number>`nextval(${userNumberSequence(tenantId)}::regclass)`,
    roles: user.roles ?? [],
    links: JSON.stringify(links),
    consents: JSON.stringify(consents),
    attributes: JSON.stringify(attributes),
    created_at,
    updated_at: created_at,
  };
}

/** Inserts a user. Raises unique violations (email, phone, external id) as they are. */
export async function insertUser(db: Kysely<DB>, tenantId: string, user: NewUser): Promise<UserRow> {
  return db.insertInto('users').values(insertValues(tenantId, user)).returningAll().executeTakeFirstOrThrow();
}

/** Inserts a user unless one of its unique identifiers is taken; undefined when taken. */
export async function insertUserIfAbsent(db: Kysely<DB>, tenantId: string, user: NewUser): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(insertValues(tenantId, user))
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findUserById(db: Kysely<DB>, tenantId: string, id: string): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.id', '=', id).executeTakeFirst();
}

/** Locks the user row for the rest of the transaction. */
export async function findUserByIdForUpdate(db: Kysely<DB>, tenantId: string, id: string): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.id', '=', id).forUpdate('users').executeTakeFirst();
}

export async function findUserByExternalId(db: Kysely<DB>, tenantId: string, externalId: string): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.external_id', '=', externalId).executeTakeFirst();
}

export async function findUserByEmail(db: Kysely<DB>, tenantId: string, email: string): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.email', '=', email).executeTakeFirst();
}

export async function findUserByPhone(db: Kysely<DB>, tenantId: string, phone: string): Promise<UserWithBrands | undefined> {
  return selectUsers(db, tenantId).where('users.phone', '=', phone).executeTakeFirst();
}

/** Users holding this email or this phone (at most two). */
export async function findUsersByEmailOrPhone(
  db: Kysely<DB>,
  tenantId: string,
  email: string | null,
  phone: string | null,
): Promise<UserWithBrands[]> {
  return selectUsers(db, tenantId)
    .where((eb) => {
      const terms: Expression<SqlBool>[] = [];
      if (email) terms.push(eb('users.email', '=', email));
      if (phone) terms.push(eb('users.phone', '=', phone));
      return eb.or(terms);
    })
    .orderBy('users.created_at')
    .limit(2)
    .execute();
}

export interface UserUpdate extends UserColumns {
  links?: Record<string, string>;
  consents?: Record<string, boolean>;
  attributes?: Record<string, unknown>;
  search_text?: string;
  status?: string;
  deactivated_at?: Date | null;
}

/** Writes changed columns and bumps the version; undefined when the user is gone. */
export async function updateUser(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  update: UserUpdate,
  now: Date,
): Promise<UserWithBrands | undefined> {
  const { links, consents, attributes, ...columns } = update;
  return db
    .updateTable('users')
    .set((eb) => ({
      ...columns,
      ...(links !== undefined ? { links: JSON.stringify(links) } : {}),
      ...(consents !== undefined ? { consents: JSON.stringify(consents) } : {}),
      ...(attributes !== undefined ? { attributes: JSON.stringify(attributes) } : {}),
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .returningAll()
    .returning(brandsOfUser)
    .executeTakeFirst();
}

/** Replaces personal data with nulls, keeping an anonymous tombstone. */
export async function eraseUser(db: Kysely<DB>, tenantId: string, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({
      external_id: null,
      email: null,
      phone: null,
      name: null,
      first_name: null,
      last_name: null,
      birth_date: null,
      gender: null,
      postal_code: null,
      city: null,
      region: null,
      country: null,
      timezone: null,
      locale: null,
      picture: null,
      links: '{}',
      consents: '{}',
      score: null,
      roles: [],
      attributes: '{}',
      search_text: '',
      status: 'deactivated',
      deactivated_at: eb.fn.coalesce('deactivated_at', eb.val(now)),
      erased_at: now,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
