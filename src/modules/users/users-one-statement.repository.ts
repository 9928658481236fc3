import { type Kysely, sql } from 'kysely';
import { executeCompiled, Params } from '../../db/compiled-cache.ts';
import { withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import { eventValues, type NewEvent } from '../events/events.repository.ts';
import { userNumberSequence } from '../tenants/tenants.repository.ts';
import type { UserRow } from './users.table.ts';
import type { BrandMembership } from './users.ts';
import { brandsOfUser, holdersOf, type UserWithBrands } from './users-read.repository.ts';
import { insertColumns, type NewUser, paramsOf, USER_UNIQUE, type UserUpdate, updateColumns, withEvents } from './users-write-parts.ts';

// User writes that carry their events in the same statement (data-modifying CTEs): atomic without a transaction,
// two round trips fewer on the hot create, find-or-create and upsert paths. Each is compiled once per shape.

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
