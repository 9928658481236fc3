import { type AliasedRawBuilder, type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { executeCompiled, Params } from '../../db/compiled-cache.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
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

/**
 * How a value the predicate compares with reaches the SQL: as itself (a parameter of a query built for this one
 * run), or as the placeholder of a compiled query's parameter (see executeCompiled). Every value passes through it
 * in its final form, after any escaping, so that the SQL text depends on the predicate's shape only (shapeOf).
 */
type Bind = (value: unknown) => unknown;

const asIs: Bind = (value) => value;

/** Every op on strings uses byte order (COLLATE "C"), the order a JS string comparison has. */
function compare(p: Extract<UserPredicate, { kind: 'compare' }>, bind: Bind): RawBuilder<SqlBool> {
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
    if (p.op === 'ne') return sql<SqlBool>`${left} is distinct from ${bind(value)}`;
    if (p.op in ops) return sql<SqlBool>`${left} ${sql.raw(ops[p.op as keyof typeof ops])} ${bind(value)}`;
    return sql<SqlBool>`false`;
  }
  const text = String(value);
  switch (p.op) {
    case 'eq':
      return sql<SqlBool>`${left} = ${bind(text)}`;
    case 'ne':
      return sql<SqlBool>`${left} is distinct from ${bind(text)}`;
    case 'co':
      return sql<SqlBool>`${left} like ${bind(`%${likeEscape(text)}%`)}`;
    case 'sw':
      return sql<SqlBool>`${left} like ${bind(`${likeEscape(text)}%`)}`;
    case 'ew':
      return sql<SqlBool>`${left} like ${bind(`%${likeEscape(text)}`)}`;
    case 'gt':
      return sql<SqlBool>`${left} collate "C" > ${bind(text)}`;
    case 'ge':
      return sql<SqlBool>`${left} collate "C" >= ${bind(text)}`;
    case 'lt':
      return sql<SqlBool>`${left} collate "C" < ${bind(text)}`;
    case 'le':
      return sql<SqlBool>`${left} collate "C" <= ${bind(text)}`;
  }
}

const ORDER = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** Present: a value that is not JSON null and not an empty string (as `pr` is for columns). */
function attributePresent(name: string, bind: Bind): RawBuilder<SqlBool> {
  // ->> of a JSON null is SQL null; coalesce keeps this never-null, so that `not` negates it.
  return sql<SqlBool>`(coalesce(users.attributes ->> ${bind(name)}, '') <> '')`;
}

/**
 * A custom attribute comparison (typed by typeAttributePredicates). `eq` is JSON containment, which the GIN index
 * users_attributes_idx (jsonb_path_ops) serves; values compare case-exactly, as the attributes' schema says.
 * Ordering and substrings apply only to values of the attribute's JSON type (a freeform value of another type
 * never matches).
 */
function compareAttribute(p: Extract<UserPredicate, { kind: 'attribute' }>, bind: Bind): RawBuilder<SqlBool> {
  const { name, op, value } = p;
  if (value === null) return op === 'eq' ? sql<SqlBool>`not ${attributePresent(name, bind)}` : attributePresent(name, bind);
  if (op === 'eq' || op === 'ne') {
    const contains = sql<SqlBool>`(users.attributes @> ${bind(JSON.stringify({ [name]: value }))}::jsonb)`;
    return op === 'eq' ? contains : sql<SqlBool>`not ${contains}`;
  }
  if (p.type === 'number') {
    const number = sql`(case when jsonb_typeof(users.attributes -> ${bind(name)}) = 'number' then (users.attributes ->> ${bind(name)})::numeric end)`;
    return op in ORDER
      ? sql<SqlBool>`${number} ${sql.raw(ORDER[op as keyof typeof ORDER])} ${bind(String(value))}::numeric`
      : sql<SqlBool>`false`;
  }
  const text = sql`(case when jsonb_typeof(users.attributes -> ${bind(name)}) = 'string' then users.attributes ->> ${bind(name)} end)`;
  const v = String(value);
  if (op === 'co') return sql<SqlBool>`${text} like ${bind(`%${likeEscape(v)}%`)}`;
  if (op === 'sw') return sql<SqlBool>`${text} like ${bind(`${likeEscape(v)}%`)}`;
  if (op === 'ew') return sql<SqlBool>`${text} like ${bind(`%${likeEscape(v)}`)}`;
  return sql<SqlBool>`${text} collate "C" ${sql.raw(ORDER[op as keyof typeof ORDER])} ${bind(v)}`;
}

/**
 * The predicate as SQL, for a WHERE clause. A comparison may be null (a missing value); only `not` turns that null
 * into false before negating, so it is a true negation. and/or of comparisons need no such guard (under Kleene
 * logic, null at the top is false in WHERE, as it would be leaf by leaf), and a bare comparison stays sargable:
 * `coalesce(lower(username) = $1, false)` could not use the username index, `lower(username) = $1` does.
 */
export function predicateSql(p: UserPredicate, bind: Bind = asIs): RawBuilder<SqlBool> {
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
      return sql<SqlBool>`(${predicateSql(p.left, bind)} and ${predicateSql(p.right, bind)})`;
    case 'or':
      return sql<SqlBool>`(${predicateSql(p.left, bind)} or ${predicateSql(p.right, bind)})`;
    case 'not':
      return sql<SqlBool>`(not coalesce(${predicateSql(p.inner, bind)}, false))`;
    case 'compare':
      return compare(p, bind);
    case 'attribute':
      return compareAttribute(p, bind);
    case 'attributePresent':
      return attributePresent(p.name, bind);
  }
}

/**
 * What predicateSql's text depends on, values left out: two predicates of one shape make the same SQL and bind
 * their values in the same order. A value is part of the shape only where the SQL branches on it (null, a boolean
 * field's true or false, a const).
 */
export function shapeOf(p: UserPredicate): string {
  switch (p.kind) {
    case 'const':
      return p.value ? 'T' : 'F';
    case 'present':
      return `pr(${p.field})`;
    case 'and':
    case 'or':
      return `${p.kind}(${shapeOf(p.left)},${shapeOf(p.right)})`;
    case 'not':
      return `not(${shapeOf(p.inner)})`;
    case 'compare': {
      const value = p.value === null ? 'null' : PREDICATE_FIELDS[p.field].type === 'boolean' ? (p.value ? 'true' : 'false') : '?';
      return `${p.field} ${p.op} ${value}`;
    }
    case 'attribute':
      return `attr:${p.type ?? ''} ${p.op} ${p.value === null ? 'null' : '?'}`;
    case 'attributePresent':
      return 'attr pr';
  }
}

/** A stable number for each extra column builder (module constants), for the compiled queries' shapes. */
const extraIds = new WeakMap<object, number>();
let lastExtraId = 0;
function extraKey(extra: readonly object[]): string {
  return extra
    .map((column) => {
      let id = extraIds.get(column);
      if (id === undefined) {
        id = ++lastExtraId;
        extraIds.set(column, id);
      }
      return id;
    })
    .join(',');
}

/**
 * One page of the tenant's live users matching the predicate, in the sort's order (then by id), and the exact
 * number matching. `extra` adds correlated columns (over `users`) that another module owns, such as each user's
 * groups, to the page's statement (they must take no values).
 *
 * The page is one statement and usually says the total itself: a page short of `limit` ends at the last match, so
 * the total is `offset` + its length (an `eq` on userName, Okta's and Entra's existence check, is always such a
 * page). Only a full page, or an empty one past the first match, asks for a count: the page is read again with a
 * second statement that counts without sorting or reading the rows, both in one read-only `repeatable read`
 * transaction, so the total is exact for the page even while others write. (A `count(*) over ()` column did it in one statement, but made PostgreSQL
 * read and sort every matching row before the limit.) An offset of 0 is left out of the SQL: with an `offset $n`
 * parameter PostgreSQL never finds its generic plan cheaper and plans the statement again on every run. Both
 * statements are compiled once per predicate shape (shapeOf) and run with the predicate's values.
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
  const shape = shapeOf(predicate);
  // The values in predicateSql's order, then tenant, limit and offset; collected once, the compiled query reuses them.
  const params = new Params();
  const marks: unknown[] = [];
  predicateSql(predicate, (value) => marks.push(params.add(value)));
  const t = params.add(tenantId);
  const filtered = (param: <T>(index: number) => T) => {
    let next = 0;
    const where = predicateSql(predicate, () => param(marks[next++] as number)) as Expression<SqlBool>;
    return db.selectFrom('users').where('users.tenant_id', '=', param<string>(t)).where('users.erased_at', 'is', null).where(where);
  };
  const count = async (executor: Kysely<DB>) => {
    const [row] = await executeCompiled<{ n: string | number }>(executor, `users.predicate.count(${shape})`, params, (param) =>
      filtered(param).select((eb) => eb.fn.countAll<string>().as('n')),
    );
    return Number(row?.n ?? 0);
  };
  if (limit === 0) return { rows: [], total: await count(db) };
  const pageParams = new Params();
  pageParams.values.push(...params.values);
  const l = pageParams.add(limit);
  const o = offset > 0 ? pageParams.add(offset) : -1;
  const sortKey = sort ? `${sort.field} ${sort.descending ? 'desc' : 'asc'}` : '';
  const page = (executor: Kysely<DB>) =>
    executeCompiled<UserWithBrands & Extra>(
      executor,
      `users.predicate.page(${shape};${sortKey};${o >= 0 ? 'offset' : ''};${extraKey(extra)})`,
      pageParams,
      (param) => {
        let query = filtered(param)
          .selectAll('users')
          .select(brandsOfUser)
          .select(extra as AliasedRawBuilder<unknown, 'extra'>[]);
        if (sort) {
          const key = PREDICATE_FIELDS[sort.field].type === 'string' ? sql`${operand(sort.field)} collate "C"` : operand(sort.field);
          query = query.orderBy(sql`${key} ${sql.raw(sort.descending ? 'desc nulls first' : 'asc nulls last')}`);
        } else query = query.orderBy('users.created_at');
        query = query.orderBy('users.id').limit(param<number>(l));
        return o >= 0 ? query.offset(param<number>(o)) : query;
      },
    );
  const rows = await page(db);
  if (rows.length < limit && (rows.length > 0 || offset === 0)) return { rows, total: offset + rows.length };
  // The page and its count read again from one snapshot, so the total is exact for the rows returned even while
  // others write; only full pages (an IdP's full sync) pay the second statement and the transaction.
  return inTransaction(
    db,
    async (trx) => {
      const again = await page(trx);
      return { rows: again, total: await count(trx) };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}
