import { type Expression, type Kysely, type QueryCreator, type SqlBool, sql } from 'kysely';
import { taken } from '../../core/error-helpers.ts';
import { executeCompiled, Params } from '../../db/compiled-cache.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import { eventValues, type NewEvent } from '../events/events.repository.ts';
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

function selectUsers(db: QueryCreator<DB>, tenantId: string) {
  return db
    .selectFrom('users')
    .selectAll('users')
    .select(brandsOfUser)
    .where('users.tenant_id', '=', tenantId)
    .where('users.erased_at', 'is', null);
}

/** A new user's stored column values, but its number (drawn from the tenant's sequence by the statement). */
function insertColumns(tenantId: string, user: NewUser): Record<string, unknown> {
  const out: Record<string, unknown> = { tenant_id: tenantId };
  for (const key in user) {
    const value = user[key as keyof NewUser];
    // Kysely leaves out undefined values; compiled-once statements must do the same, or they would write nulls.
    if (value === undefined) continue;
    out[key] = key === 'links' || key === 'consents' || key === 'attributes' ? JSON.stringify(value) : value;
  }
  out.roles = user.roles ?? [];
  out.updated_at = user.created_at;
  return out;
}

function insertValues(tenantId: string, user: NewUser) {
  return { ...insertColumns(tenantId, user), number: sql<number>`nextval(${userNumberSequence(tenantId)}::regclass)` } as never;
}

/** The params from `first` on, one per key of `record`, as a record for Kysely's values() or set(). */
function paramsOf(record: Record<string, unknown>, first: number, param: <T>(index: number) => T): Record<string, never> {
  return Object.fromEntries(Object.keys(record).map((key, i) => [key, param(first + i)]));
}

/**
 * What each unique constraint on users means. `existingId` is null here: the statement failed, so its transaction
 * cannot ask who holds the value; the users service fills it in afterwards (users.conflicts.ts).
 */
const USER_UNIQUE: UniqueRules = {
  users_tenant_email_key: () => taken('USER_EMAIL_TAKEN', 'email', 'belongs to another user', { existingId: null }),
  users_tenant_username_key: () => taken('USER_USERNAME_TAKEN', 'username', 'belongs to another user', { existingId: null }),
  users_tenant_phone_key: () => taken('USER_PHONE_TAKEN', 'phone', 'belongs to another user', { existingId: null }),
  users_tenant_external_id_key: () => taken('USER_EXTERNAL_ID_TAKEN', 'externalId', 'belongs to another user', { existingId: null }),
};

/**
 * Inserts a user.
 * @throws AppError USER_EMAIL_TAKEN, USER_PHONE_TAKEN, USER_EXTERNAL_ID_TAKEN when another user holds the value
 */
export async function insertUser(db: Kysely<DB>, tenantId: string, user: NewUser): Promise<UserRow> {
  return withUniqueRules(USER_UNIQUE, () =>
    db.insertInto('users').values(insertValues(tenantId, user)).returningAll().executeTakeFirstOrThrow(),
  );
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

/**
 * insertUserIfAbsent and the user's events in one statement (so atomic without a transaction): the events
 * are written only when the user is.
 */
export async function insertUserIfAbsentWithEvents(
  db: Kysely<DB>,
  tenantId: string,
  user: NewUser,
  events: NewEvent[],
): Promise<UserRow | undefined> {
  const columns = insertColumns(tenantId, user);
  const eventRows = events.map((e) => eventValues(tenantId, e));
  const params = new Params();
  const sequence = params.add(userNumberSequence(tenantId));
  const first = params.addAll(columns);
  const eventFirsts = eventRows.map((row) => params.addAll(row));
  const shape = `users.insertIfAbsentWithEvents(${Object.keys(columns).join()};${events.length})`;
  const rows = await executeCompiled<UserRow>(db, shape, params, (param) => {
    const statement = db.with('inserted', (qb) =>
      qb
        .insertInto('users')
        .values({ ...paramsOf(columns, first, param), number: sql<number>`nextval(${param(sequence)}::regclass)` } as never)
        .onConflict((oc) => oc.doNothing())
        .returningAll(),
    );
    return withEvents(
      statement,
      'inserted',
      eventRows.map((row, i) => paramsOf(row, eventFirsts[i], param)),
    )
      .selectFrom('inserted')
      .selectAll();
  });
  return rows[0];
}

/**
 * Adds one data-modifying CTE per event row to a statement whose CTE `source` returns the changed user:
 * INSERT … SELECT … FROM source, so the events are written exactly when the user row is.
 */
function withEvents<Q extends QueryCreator<any>>(statement: Q, source: string, rows: Record<string, unknown>[]): Q {
  let out = statement;
  rows.forEach((values, i) => {
    out = out.with(`event_${i}`, (qb) =>
      qb
        .insertInto('events')
        .columns(Object.keys(values) as (keyof ReturnType<typeof eventValues>)[])
        .expression(sql`select ${sql.join(Object.values(values))} from ${sql.table(source)}`),
    ) as unknown as Q;
  });
  return out;
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
function holdersOf(db: QueryCreator<DB>, tenantId: string, email: string | null, phone: string | null) {
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
 * findUsersByEmailOrPhone and, when nobody holds them, insertUserIfAbsentWithEvents, in one statement (one
 * snapshot: a user created meanwhile by another transaction makes the insert yield, as there). Rows say
 * whether they were `created`.
 */
export async function findOrInsertUserWithEvents(
  db: Kysely<DB>,
  tenantId: string,
  email: string | null,
  phone: string | null,
  user: NewUser,
  events: NewEvent[],
): Promise<(UserWithBrands & { created: boolean })[]> {
  const columns = insertColumns(tenantId, user);
  const names = Object.keys(columns);
  const eventRows = events.map((e) => eventValues(tenantId, e));
  const params = new Params();
  const t = params.add(tenantId);
  const sequence = params.add(userNumberSequence(tenantId));
  const e = email ? params.add(email) : -1;
  const p = phone ? params.add(phone) : -1;
  const first = params.addAll(columns);
  const eventFirsts = eventRows.map((row) => params.addAll(row));
  const shape = `users.findOrInsertWithEvents(${email ? 'email' : ''},${phone ? 'phone' : ''};${names.join()};${events.length})`;
  return withUniqueRules(USER_UNIQUE, () =>
    executeCompiled<UserWithBrands & { created: boolean }>(db, shape, params, (param) => {
      const statement = db
        .with('found', (qb) => holdersOf(qb, param(t), email ? param(e) : null, phone ? param(p) : null))
        .with('inserted', (qb) =>
          qb
            .insertInto('users')
            .columns([...names, 'number'] as never)
            .expression(
              sql`select ${sql.join(names.map((_, i) => param(first + i)))}, nextval(${param(sequence)}::regclass)
                where not exists (select 1 from found)`,
            )
            .onConflict((oc) => oc.doNothing())
            .returningAll(),
        );
      return withEvents(
        statement,
        'inserted',
        eventRows.map((row, i) => paramsOf(row, eventFirsts[i], param)),
      )
        .selectFrom('found')
        .selectAll()
        .select(sql<boolean>`false`.as('created'))
        .unionAll((eb) =>
          eb
            .selectFrom('inserted')
            .selectAll()
            .select([sql<BrandMembership[]>`'[]'::json`.as('brands'), sql<boolean>`true`.as('created')]),
        );
    }),
  );
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
  return withUniqueRules(USER_UNIQUE, () =>
    userUpdate(db, tenantId, id, update, now).returningAll().returning(brandsOfUser).executeTakeFirst(),
  );
}

/**
 * updateUser only while the user is still at `version`, with the change's events in the same statement
 * (atomic without a transaction); undefined when the user has moved on or is gone.
 */
export async function updateUserAtVersionWithEvents(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  version: number,
  update: UserUpdate,
  now: Date,
  events: NewEvent[],
): Promise<UserWithBrands | undefined> {
  const columns = updateColumns(update, now);
  const eventRows = events.map((e) => eventValues(tenantId, e));
  const params = new Params();
  const t = params.add(tenantId);
  const i = params.add(id);
  const v = params.add(version);
  const first = params.addAll(columns);
  const eventFirsts = eventRows.map((row) => params.addAll(row));
  const shape = `users.updateAtVersionWithEvents(${Object.keys(columns).join()};${events.length})`;
  const rows = await withUniqueRules(USER_UNIQUE, () =>
    executeCompiled<UserWithBrands>(db, shape, params, (param) => {
      const statement = db.with('updated', (qb) =>
        qb
          .updateTable('users')
          .set((eb) => ({ ...paramsOf(columns, first, param), version: eb('version', '+', 1) }))
          .where('tenant_id', '=', param<string>(t))
          .where('id', '=', param<string>(i))
          .where('erased_at', 'is', null)
          .where('version', '=', param<number>(v))
          .returningAll()
          .returning(brandsOfUser),
      );
      return withEvents(
        statement,
        'updated',
        eventRows.map((row, n) => paramsOf(row, eventFirsts[n], param)),
      )
        .selectFrom('updated')
        .selectAll();
    }),
  );
  return rows[0];
}

/** The stored values of an update, with its time; the version is bumped by the statement. */
function updateColumns(update: UserUpdate, now: Date): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in update) {
    const value = update[key as keyof UserUpdate];
    // Kysely leaves out undefined values; compiled-once statements must do the same, or they would write nulls.
    if (value === undefined) continue;
    out[key] = key === 'links' || key === 'consents' || key === 'attributes' ? JSON.stringify(value) : value;
  }
  out.updated_at = now;
  return out;
}

function userUpdate(db: QueryCreator<DB>, tenantId: string, id: string, update: UserUpdate, now: Date) {
  return db
    .updateTable('users')
    .set((eb) => ({ ...updateColumns(update, now), version: eb('version', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null);
}

/** Replaces personal data with nulls, keeping an anonymous tombstone. */
export async function eraseUser(db: Kysely<DB>, tenantId: string, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({
      external_id: null,
      username: null,
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
