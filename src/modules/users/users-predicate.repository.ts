import { type AliasedRawBuilder, type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { brandsOfUser, type UserWithBrands } from './users.repository.ts';
import { PREDICATE_FIELDS, type PredicateField, type PredicateSort, type UserPredicate } from './users-predicate.ts';

const COLUMNS: Record<PredicateField, string> = {
  id: 'id',
  username: 'username',
  externalId: 'external_id',
  email: 'email',
  phone: 'phone',
  name: 'name',
  firstName: 'first_name',
  lastName: 'last_name',
  locale: 'locale',
  timezone: 'timezone',
  postalCode: 'postal_code',
  city: 'city',
  region: 'region',
  country: 'country',
  active: 'status',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/**
 * The compared expression of a field: lower(column) for case-insensitive text (username's unique index is on
 * exactly that; email is stored lower-cased, so its plain column is already the lower form and keeps its index).
 */
function operand(field: PredicateField): RawBuilder<unknown> {
  const column = sql.ref(`users.${COLUMNS[field]}`);
  if (field === 'id') return sql`${column}::text`;
  if (field === 'email' || !(PREDICATE_FIELDS[field].type === 'string' && !PREDICATE_FIELDS[field].caseExact)) return sql`${column}`;
  return sql`lower(${column})`;
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Every op on strings uses byte order (COLLATE "C"), the order a JS string comparison has. */
function compare(p: Extract<UserPredicate, { kind: 'compare' }>): RawBuilder<SqlBool> {
  const spec = PREDICATE_FIELDS[p.field];
  const left = operand(p.field);
  if (p.value === null) {
    const isNull = sql<SqlBool>`${sql.ref(`users.${COLUMNS[p.field]}`)} is null`;
    if (p.op === 'eq') return isNull;
    if (p.op === 'ne') return sql<SqlBool>`not (${isNull})`;
    return sql<SqlBool>`false`;
  }
  if (spec.type === 'boolean') {
    const active = sql<SqlBool>`(users.status = 'active')`;
    if (p.op === 'eq') return p.value ? active : sql<SqlBool>`not ${active}`;
    if (p.op === 'ne') return p.value ? sql<SqlBool>`not ${active}` : active;
    return sql<SqlBool>`false`;
  }
  const value = typeof p.value === 'string' && !spec.caseExact ? p.value.toLowerCase() : p.value;
  if (spec.type === 'dateTime') {
    const ops = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;
    if (p.op === 'ne') return sql<SqlBool>`${left} is distinct from ${value}`;
    if (p.op in ops) return sql<SqlBool>`${left} ${sql.raw(ops[p.op as keyof typeof ops])} ${value}`;
    return sql<SqlBool>`false`;
  }
  const text = String(value);
  switch (p.op) {
    case 'eq':
      return sql<SqlBool>`${left} = ${text}`;
    case 'ne':
      return sql<SqlBool>`${left} is distinct from ${text}`;
    case 'co':
      return sql<SqlBool>`${left} like ${`%${likeEscape(text)}%`}`;
    case 'sw':
      return sql<SqlBool>`${left} like ${`${likeEscape(text)}%`}`;
    case 'ew':
      return sql<SqlBool>`${left} like ${`%${likeEscape(text)}`}`;
    case 'gt':
      return sql<SqlBool>`${left} collate "C" > ${text}`;
    case 'ge':
      return sql<SqlBool>`${left} collate "C" >= ${text}`;
    case 'lt':
      return sql<SqlBool>`${left} collate "C" < ${text}`;
    case 'le':
      return sql<SqlBool>`${left} collate "C" <= ${text}`;
  }
}

const ORDER = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** Present: a value that is not JSON null and not an empty string (as `pr` is for columns). */
function attributePresent(name: string): RawBuilder<SqlBool> {
  // ->> of a JSON null is SQL null; coalesce keeps this never-null, so that `not` negates it.
  return sql<SqlBool>`(coalesce(users.attributes ->> ${name}, '') <> '')`;
}

/**
 * A custom attribute comparison (typed by typeAttributePredicates). `eq` is JSON containment, which the GIN index
 * users_attributes_idx (jsonb_path_ops) serves; values compare case-exactly, as the attributes' schema says.
 * Ordering and substrings apply only to values of the attribute's JSON type (a freeform value of another type
 * never matches).
 */
function compareAttribute(p: Extract<UserPredicate, { kind: 'attribute' }>): RawBuilder<SqlBool> {
  const { name, op, value } = p;
  if (value === null) return op === 'eq' ? sql<SqlBool>`not ${attributePresent(name)}` : attributePresent(name);
  const contains = sql<SqlBool>`(users.attributes @> ${JSON.stringify({ [name]: value })}::jsonb)`;
  if (op === 'eq') return contains;
  if (op === 'ne') return sql<SqlBool>`not ${contains}`;
  if (p.type === 'number') {
    const number = sql`(case when jsonb_typeof(users.attributes -> ${name}) = 'number' then (users.attributes ->> ${name})::numeric end)`;
    return op in ORDER
      ? sql<SqlBool>`${number} ${sql.raw(ORDER[op as keyof typeof ORDER])} ${String(value)}::numeric`
      : sql<SqlBool>`false`;
  }
  const text = sql`(case when jsonb_typeof(users.attributes -> ${name}) = 'string' then users.attributes ->> ${name} end)`;
  const v = String(value);
  if (op === 'co') return sql<SqlBool>`${text} like ${`%${likeEscape(v)}%`}`;
  if (op === 'sw') return sql<SqlBool>`${text} like ${`${likeEscape(v)}%`}`;
  if (op === 'ew') return sql<SqlBool>`${text} like ${`%${likeEscape(v)}`}`;
  return sql<SqlBool>`${text} collate "C" ${sql.raw(ORDER[op as keyof typeof ORDER])} ${v}`;
}

/**
 * The predicate as SQL, for a WHERE clause. A comparison may be null (a missing value); only `not` turns that null
 * into false before negating, so it is a true negation. and/or of comparisons need no such guard (under Kleene
 * logic, null at the top is false in WHERE, as it would be leaf by leaf), and a bare comparison stays sargable:
 * `coalesce(lower(username) = $1, false)` could not use the username index, `lower(username) = $1` does.
 */
export function predicateSql(p: UserPredicate): RawBuilder<SqlBool> {
  switch (p.kind) {
    case 'const':
      return p.value ? sql<SqlBool>`true` : sql<SqlBool>`false`;
    case 'present': {
      const column = sql.ref(`users.${COLUMNS[p.field]}`);
      return PREDICATE_FIELDS[p.field].type === 'string'
        ? sql<SqlBool>`(${column} is not null and ${column}::text <> '')`
        : sql<SqlBool>`(${column} is not null)`;
    }
    case 'and':
      return sql<SqlBool>`(${predicateSql(p.left)} and ${predicateSql(p.right)})`;
    case 'or':
      return sql<SqlBool>`(${predicateSql(p.left)} or ${predicateSql(p.right)})`;
    case 'not':
      return sql<SqlBool>`(not coalesce(${predicateSql(p.inner)}, false))`;
    case 'compare':
      return compare(p);
    case 'attribute':
      return compareAttribute(p);
    case 'attributePresent':
      return attributePresent(p.name);
  }
}

/**
 * One page of the tenant's live users matching the predicate, in the sort's order (then by id), and the exact
 * number matching. `extra` adds correlated columns (over `users`) that another module owns, such as each user's
 * groups, to the page's statement.
 *
 * The page is one statement and usually says the total itself: a page short of `limit` ends at the last match, so
 * the total is `offset` + its length (an `eq` on userName, Okta's and Entra's existence check, is always such a
 * page). Only a full page, or an empty one past the first match, asks for a count, in a second statement that counts
 * without sorting or reading the rows. (A `count(*) over ()` column did it in one statement, but made PostgreSQL
 * read and sort every matching row before the limit.) An offset of 0 is left out of the SQL: with an `offset $n`
 * parameter PostgreSQL never finds its generic plan cheaper and plans the statement again on every run.
 */
export async function findUsersByPredicate<Extra extends Record<string, unknown> = Record<never, never>>(
  db: Kysely<DB>,
  tenantId: string,
  predicate: UserPredicate,
  sort: PredicateSort | null,
  offset: number,
  limit: number,
  extra: readonly AliasedRawBuilder<unknown, string>[] = [],
): Promise<{ rows: (UserWithBrands & Extra)[]; total: number }> {
  const where = predicateSql(predicate) as Expression<SqlBool>;
  const base = db.selectFrom('users').where('users.tenant_id', '=', tenantId).where('users.erased_at', 'is', null).where(where);
  const count = async () => Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  if (limit === 0) return { rows: [], total: await count() };
  let query = base
    .selectAll('users')
    .select(brandsOfUser)
    .select(extra as AliasedRawBuilder<unknown, 'extra'>[]);
  if (sort) {
    const key = PREDICATE_FIELDS[sort.field].type === 'string' ? sql`${operand(sort.field)} collate "C"` : operand(sort.field);
    query = query.orderBy(sql`${key} ${sql.raw(sort.descending ? 'desc nulls first' : 'asc nulls last')}`);
  } else query = query.orderBy('users.created_at');
  query = query.orderBy('users.id').limit(limit);
  if (offset > 0) query = query.offset(offset);
  const rows = (await query.execute()) as unknown as (UserWithBrands & Extra)[];
  if (rows.length < limit && (rows.length > 0 || offset === 0)) return { rows, total: offset + rows.length };
  // A count taken after the page may have seen other writes; it never says fewer than the page shows.
  const counted = await count();
  return { rows, total: rows.length > 0 ? Math.max(counted, offset + rows.length) : counted };
}
