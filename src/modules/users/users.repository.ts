import { type Expression, type Kysely, type QueryCreator, type SqlBool, sql } from 'kysely';
import { executeCompiled } from '../../db/compiled-cache.ts';
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
function insertColumns(tenantId: string, user: NewUser) {
  const { links, consents, attributes, created_at, ...columns } = user;
  return definedOnly({
    ...columns,
    tenant_id: tenantId,
    roles: user.roles ?? [],
    links: JSON.stringify(links),
    consents: JSON.stringify(consents),
    attributes: JSON.stringify(attributes),
    created_at,
    updated_at: created_at,
  });
}

function insertValues(tenantId: string, user: NewUser) {
  return { ...insertColumns(tenantId, user), number: sql<number>`nextval(${userNumberSequence(tenantId)}::regclass)` };
}

/** Kysely leaves out undefined values; compiled-once statements must do the same, or they would write nulls. */
function definedOnly<T extends Record<string, unknown>>(values: T): T {
  for (const key of Object.keys(values)) if (values[key] === undefined) delete values[key];
  return values;
}

/** Each key of `values` as the param `prefix + key` of a compiled-once statement. */
function asParams(values: Record<string, unknown>, param: <T>(name: string) => T, prefix: string): Record<string, never> {
  return Object.fromEntries(Object.keys(values).map((key) => [key, param(`${prefix}${key}`)]));
}

/** Names every value with its prefix, for executeCompiled. */
function prefixed(into: Record<string, unknown>, values: Record<string, unknown>, prefix: string): void {
  for (const [key, value] of Object.entries(values)) into[`${prefix}${key}`] = value;
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
  const values: Record<string, unknown> = { sequence: userNumberSequence(tenantId) };
  prefixed(values, columns, 'user.');
  for (const [i, row] of eventRows.entries()) prefixed(values, row, `event${i}.`);
  const shape = `users.insertIfAbsentWithEvents(${Object.keys(columns).join()};${events.length})`;
  const rows = await executeCompiled<UserRow>(db, shape, values, (param) => {
    const statement = db.with('inserted', (qb) =>
      qb
        .insertInto('users')
        .values({ ...asParams(columns, param, 'user.'), number: sql<number>`nextval(${param('sequence')}::regclass)` } as never)
        .onConflict((oc) => oc.doNothing())
        .returningAll(),
    );
    return withEvents(
      statement,
      'inserted',
      eventRows.map((row, i) => asParams(row, param, `event${i}.`)),
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
  const rows = await executeCompiled<UserWithBrands>(db, `users.by(${column})`, { tenantId, value }, (param) =>
    selectUsers(db, param('tenantId')).where(`users.${column}`, '=', param<string>('value')),
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

export async function findUserByEmail(db: Kysely<DB>, tenantId: string, email: string): Promise<UserWithBrands | undefined> {
  return findUserBy(db, tenantId, 'email', email);
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
  const values: Record<string, unknown> = { tenantId };
  if (email) values.email = email;
  if (phone) values.phone = phone;
  return executeCompiled<UserWithBrands>(db, `users.byEmailOrPhone(${Object.keys(values).join()})`, values, (param) =>
    holdersOf(db, param('tenantId'), email ? param('email') : null, phone ? param('phone') : null),
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
  const values: Record<string, unknown> = { tenantId, sequence: userNumberSequence(tenantId) };
  if (email) values.email = email;
  if (phone) values.phone = phone;
  prefixed(values, columns, 'user.');
  for (const [i, row] of eventRows.entries()) prefixed(values, row, `event${i}.`);
  const shape = `users.findOrInsertWithEvents(${email ? 'email' : ''},${phone ? 'phone' : ''};${names.join()};${events.length})`;
  return executeCompiled<UserWithBrands & { created: boolean }>(db, shape, values, (param) => {
    const statement = db
      .with('found', (qb) => holdersOf(qb, param('tenantId'), email ? param('email') : null, phone ? param('phone') : null))
      .with('inserted', (qb) =>
        qb
          .insertInto('users')
          .columns([...names, 'number'] as never)
          .expression(
            sql`select ${sql.join(names.map((name) => param(`user.${name}`)))}, nextval(${param('sequence')}::regclass)
                where not exists (select 1 from found)`,
          )
          .onConflict((oc) => oc.doNothing())
          .returningAll(),
      );
    return withEvents(
      statement,
      'inserted',
      eventRows.map((row, i) => asParams(row, param, `event${i}.`)),
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
  });
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
  return userUpdate(db, tenantId, id, update, now).returningAll().returning(brandsOfUser).executeTakeFirst();
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
  const values: Record<string, unknown> = { tenantId, id, version };
  prefixed(values, columns, 'set.');
  for (const [i, row] of eventRows.entries()) prefixed(values, row, `event${i}.`);
  const shape = `users.updateAtVersionWithEvents(${Object.keys(columns).join()};${events.length})`;
  const rows = await executeCompiled<UserWithBrands>(db, shape, values, (param) => {
    const statement = db.with('updated', (qb) =>
      qb
        .updateTable('users')
        .set((eb) => ({ ...asParams(columns, param, 'set.'), version: eb('version', '+', 1) }))
        .where('tenant_id', '=', param<string>('tenantId'))
        .where('id', '=', param<string>('id'))
        .where('erased_at', 'is', null)
        .where('version', '=', param<number>('version'))
        .returningAll()
        .returning(brandsOfUser),
    );
    return withEvents(
      statement,
      'updated',
      eventRows.map((row, i) => asParams(row, param, `event${i}.`)),
    )
      .selectFrom('updated')
      .selectAll();
  });
  return rows[0];
}

/** The stored values of an update, with its time; the version is bumped by the statement. */
function updateColumns(update: UserUpdate, now: Date) {
  const { links, consents, attributes, ...columns } = update;
  return definedOnly({
    ...columns,
    ...(links !== undefined ? { links: JSON.stringify(links) } : {}),
    ...(consents !== undefined ? { consents: JSON.stringify(consents) } : {}),
    ...(attributes !== undefined ? { attributes: JSON.stringify(attributes) } : {}),
    updated_at: now,
  });
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
