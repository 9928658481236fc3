import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { userNumberSequence } from '../tenants/tenants.repository.ts';
import { brandsOfUser, type NewUser, type UserUpdate, type UserWithBrands } from './users.repository.ts';
import type { UserRow } from './users.table.ts';

/** The identifier column an import matches existing users on. */
export type MatchColumn = 'email' | 'phone' | 'external_id' | 'username';

/**
 * The users holding any of these identifier values, locked for the rest of the transaction. Usernames compare
 * case-insensitively (their unique index is on lower(username)): pass them lowercased.
 */
export async function findUsersByIdentifierForUpdate(
  db: Kysely<DB>,
  tenantId: string,
  column: MatchColumn,
  values: readonly string[],
): Promise<UserWithBrands[]> {
  if (values.length === 0) return [];
  // Driven by the batch's values, one index probe each: an `in (...)` list lets the planner scan the whole tenant
  // instead, and does so while the table's statistics are those of the empty table a fresh import starts from.
  const target = column === 'username' ? sql<string>`lower(users.username)` : sql.ref(`users.${column}`);
  return db
    .selectFrom(sql<{ value: string }>`unnest(${sql.val(values)}::text[])`.as('v'))
    .innerJoin('users', (join) => join.on('users.tenant_id', '=', tenantId).on(sql<boolean>`${target} = v`))
    .selectAll('users')
    .select(brandsOfUser)
    .where('users.erased_at', 'is', null)
    .forUpdate('users')
    .execute();
}

/** The identifiers other users hold among these (to name the field of an insert that yielded to one). */
export async function findIdentifierHolders(
  db: Kysely<DB>,
  tenantId: string,
  values: { email?: string | null; phone?: string | null; external_id?: string | null; username?: string | null },
): Promise<Pick<UserRow, 'id' | 'email' | 'phone' | 'external_id' | 'username'>[]> {
  const terms = (['email', 'phone', 'external_id'] as const).filter((c) => values[c]);
  const username = values.username?.toLowerCase();
  if (terms.length === 0 && !username) return [];
  return db
    .selectFrom('users')
    .select(['id', 'email', 'phone', 'external_id', 'username'])
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([...terms.map((c) => eb(c, '=', values[c] as string)), ...(username ? [eb(sql<string>`lower(username)`, '=', username)] : [])]),
    )
    .execute();
}

/** A column value as jsonb_populate_recordset reads it (jsonb columns stay objects, times ISO text). */
function jsonColumns(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}

/** A user row as a bulk write returns it. */
export type WrittenUser = Pick<UserRow, 'id' | 'version' | 'updated_at'> & Partial<Pick<UserRow, 'number' | 'status' | 'created_at'>>;

/**
 * Inserts many users in one statement (rows typed by the users table itself through jsonb_populate_recordset, one
 * parameter for the whole batch), each drawing its number from the tenant's sequence. A row whose `match` value is
 * taken meanwhile (a concurrent API create) is skipped: the caller re-reads and updates it. Another identifier
 * taken throws the unique violation (the caller retries the batch row by row).
 * Returns the inserted rows.
 */
export async function insertUsersIfAbsent(
  db: Kysely<DB>,
  tenantId: string,
  users: NewUser[],
  now: Date,
  match: MatchColumn,
): Promise<WrittenUser[]> {
  if (users.length === 0) return [];
  const columns = new Set<string>(['id', 'links', 'consents', 'attributes', 'search_text', 'created_at', 'roles']);
  for (const user of users) for (const [key, value] of Object.entries(user)) if (value !== undefined) columns.add(key);
  const list = [...columns];
  const payload = JSON.stringify(users.map((u) => jsonColumns({ ...u, roles: u.roles ?? [] })));
  // The match identifier's unique index is the only arbiter: ON CONFLICT without one probes all seven unique
  // indexes of users for every row before inserting it (a fifth of the statement). A user created meanwhile with
  // the row's match value is skipped (then updated); one holding another of its identifiers fails the statement,
  // and the caller's row-by-row retry reports that row as taken, as the re-read would have.
  const arbiter = match === 'username' ? sql`(tenant_id, lower(username))` : sql`(tenant_id, ${sql.ref(match)})`;
  const result = await sql<WrittenUser>`
    insert into users (tenant_id, number, updated_at, ${sql.join(list.map((c) => sql.ref(c)))})
    select ${tenantId}::uuid, nextval(${userNumberSequence(tenantId)}::regclass), ${now}::timestamptz,
      ${sql.join(list.map((c) => sql.ref(`r.${c}`)))}
    from jsonb_populate_recordset(null::users, ${payload}::jsonb) as r
    on conflict ${arbiter} do nothing
    returning id, number, version, status, created_at, updated_at`.execute(db);
  return result.rows;
}

/**
 * Applies many planned updates, one statement per set of changed columns (an import's rows mostly share one),
 * each moving the user's version on. Returns the updated rows.
 */
export async function updateUsersBulk(
  db: Kysely<DB>,
  tenantId: string,
  updates: { id: string; update: UserUpdate }[],
  now: Date,
): Promise<WrittenUser[]> {
  const shapes = new Map<string, { id: string; update: UserUpdate }[]>();
  for (const item of updates) {
    const key = Object.keys(jsonColumns(item.update as Record<string, unknown>))
      .sort()
      .join(',');
    const group = shapes.get(key);
    if (group) group.push(item);
    else shapes.set(key, [item]);
  }
  const out: WrittenUser[] = [];
  for (const [key, group] of shapes) {
    const columns = key ? key.split(',') : [];
    const payload = JSON.stringify(group.map(({ id, update }) => jsonColumns({ ...update, id })));
    const sets = columns.map((c) => sql`${sql.ref(c)} = ${sql.ref(`r.${c}`)}`);
    // Joined on the id alone (its unique index, driven by the batch): a tenant filter the planner could index would
    // let it scan the whole tenant once per batch row when the tenant's statistics are stale, as a fresh import's are.
    const result = await sql<WrittenUser>`
      update users set ${sql.join([...sets, sql`updated_at = ${now}::timestamptz`, sql`version = users.version + 1`])}
      from jsonb_populate_recordset(null::users, ${payload}::jsonb) as r
      where users.id = r.id and (users.tenant_id = ${tenantId}::uuid) is true and users.erased_at is null
      returning users.id, users.version, users.updated_at`.execute(db);
    out.push(...result.rows);
  }
  return out;
}
