import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { filteredUsers, type UserFilter } from './users-search.repository.ts';

/** What an export adds to each user when asked (`include=`): references another tenant's import understands. */
export type ExportInclude = 'companies' | 'plans';

/**
 * The companies (external id, else id) and active plans (external id, else id) of a page of users, by user id.
 * Runs on the export's snapshot transaction.
 */
export async function refsOfUsers(
  db: Kysely<DB>,
  tenantId: string,
  userIds: string[],
  include: ReadonlySet<ExportInclude>,
  now: Date,
): Promise<{ companies: Map<string, string[]>; plans: Map<string, string[]> }> {
  const companies = new Map<string, string[]>();
  const plans = new Map<string, string[]>();
  if (userIds.length === 0) return { companies, plans };
  const add = (map: Map<string, string[]>, id: string, ref: string) => {
    const list = map.get(id);
    if (list) list.push(ref);
    else map.set(id, [ref]);
  };
  if (include.has('companies')) {
    const rows = await db
      .selectFrom('company_members as cm')
      .innerJoin('companies as c', (j) => j.onRef('c.tenant_id', '=', 'cm.tenant_id').onRef('c.id', '=', 'cm.company_id'))
      .select(['cm.user_id', sql<string>`coalesce(c.external_id, c.id::text)`.as('ref')])
      .where('cm.tenant_id', '=', tenantId)
      .where('cm.user_id', 'in', userIds)
      .orderBy('cm.joined_at')
      .execute();
    for (const row of rows) add(companies, row.user_id, row.ref);
  }
  if (include.has('plans')) {
    const rows = await db
      .selectFrom('user_plans as up')
      .innerJoin('plans as p', (j) => j.onRef('p.tenant_id', '=', 'up.tenant_id').onRef('p.id', '=', 'up.plan_id'))
      .select(['up.user_id', sql<string>`coalesce(p.external_id, p.id::text)`.as('ref')])
      .where('up.tenant_id', '=', tenantId)
      .where('up.user_id', 'in', userIds)
      .where('up.ended_at', 'is', null)
      .where('up.valid_from', '<=', now)
      .where((w) => w.or([w('up.valid_to', 'is', null), w('up.valid_to', '>', now)]))
      .orderBy('up.created_at')
      .execute();
    for (const row of rows) add(plans, row.user_id, row.ref);
  }
  return { companies, plans };
}

/** The attribute and consent names the tenant's users hold (the CSV export's columns), on the snapshot. */
export async function heldKeys(db: Kysely<DB>, tenantId: string): Promise<{ attributes: string[]; consents: string[] }> {
  const keys = async (column: 'attributes' | 'consents') => {
    const result = await sql<{ key: string }>`
      select distinct jsonb_object_keys(${sql.ref(column)}) as key from users
      where tenant_id = ${tenantId}::uuid and erased_at is null order by 1`.execute(db);
    return result.rows.map((r) => r.key);
  };
  return { attributes: await keys('attributes'), consents: await keys('consents') };
}

/** Where an export page ends: the last user's creation time as PostgreSQL prints it (exact to the microsecond). */
export interface ExportPosition {
  at: string;
  id: string;
}

/** ISO 8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it (both truncate microseconds). */
const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * One keyset page (creation order) of the users a filter matches, each as its NDJSON line built by PostgreSQL: the
 * user's API view (toUserView's keys, in its order) plus the asked references, so that Node only joins text.
 * `countries` maps an upper-case country code to `{n: name, d: dialCode, c: currency}` (the view's country facts).
 * jsonb fields (links, consents, attributes) come as PostgreSQL prints jsonb (`{"a": 1}`): the caller compacts them.
 * `withBrands` false (the tenant has no brand memberships in the snapshot) skips the per-user brands probe.
 */
export async function userLinesPage(
  db: Kysely<DB>,
  tenantId: string,
  filter: UserFilter,
  after: ExportPosition | null,
  limit: number,
  include: ReadonlySet<ExportInclude>,
  now: Date,
  countries: string,
  withBrands = true,
): Promise<(ExportPosition & { line: string })[]> {
  const country = sql`(${countries}::jsonb -> upper(users.country))`;
  const brands = sql`coalesce((
    select '[' || string_agg('{"slug":' || to_json(b.slug)::text || ',"joinedAt":"' || ${iso('ub.joined_at')} || '"}', ','
      order by ub.joined_at, b.slug) || ']'
    from user_brands ub join brands b on b.tenant_id = ub.tenant_id and b.id = ub.brand_id
    where ub.tenant_id = users.tenant_id and ub.user_id = users.id), '[]')::json`;
  const companies = sql`coalesce((
    select json_agg(coalesce(c.external_id, c.id::text) order by cm.joined_at)::text
    from company_members cm join companies c on c.tenant_id = cm.tenant_id and c.id = cm.company_id
    where cm.tenant_id = users.tenant_id and cm.user_id = users.id), '[]')::json`;
  const plans = sql`coalesce((
    select json_agg(coalesce(p.external_id, p.id::text) order by up.created_at)::text
    from user_plans up join plans p on p.tenant_id = up.tenant_id and p.id = up.plan_id
    where up.tenant_id = users.tenant_id and up.user_id = users.id and up.ended_at is null
      and up.valid_from <= ${now} and (up.valid_to is null or up.valid_to > ${now})), '[]')::json`;
  const fields = sql.join([
    sql`users.id as "id"`,
    sql`users.number as "number"`,
    sql`users.external_id as "externalId"`,
    sql`users.username as "username"`,
    sql`users.email as "email"`,
    sql`users.phone as "phone"`,
    sql`users.name as "name"`,
    sql`users.first_name as "firstName"`,
    sql`users.last_name as "lastName"`,
    sql`users.birth_date as "birthDate"`,
    sql`users.gender as "gender"`,
    sql`users.postal_code as "postalCode"`,
    sql`users.city as "city"`,
    sql`users.region as "region"`,
    sql`users.country as "country"`,
    sql`${country} ->> 'n' as "countryName"`,
    sql`${country} ->> 'd' as "dialCode"`,
    sql`${country} ->> 'c' as "currency"`,
    sql`users.timezone as "timezone"`,
    sql`users.locale as "locale"`,
    sql`users.picture as "picture"`,
    sql`users.links as "links"`,
    sql`users.consents as "consents"`,
    sql`users.score as "score"`,
    sql`users.status as "status"`,
    sql`users.roles as "roles"`,
    sql`users.sessions_limit as "sessionsLimit"`,
    sql`users.attributes as "attributes"`,
    withBrands ? sql`${brands} as "brands"` : sql`'[]'::json as "brands"`,
    sql`${iso('users.created_at')} as "createdAt"`,
    sql`${iso('users.updated_at')} as "updatedAt"`,
    sql`${iso('users.deactivated_at')} as "deactivatedAt"`,
    sql`users.version as "version"`,
    ...(include.has('companies') ? [sql`${companies} as "companies"`] : []),
    ...(include.has('plans') ? [sql`${plans} as "plans"`] : []),
  ]);
  return filteredUsers(db, tenantId, filter)
    .select([
      'users.id as id',
      sql<string>`users.created_at::text`.as('at'),
      sql<string>`(select row_to_json(j)::text from (select ${fields}) j)`.as('line'),
    ])
    .$if(after !== null, (qb) => qb.where(sql<boolean>`(users.created_at, users.id) > (${after?.at}::timestamptz, ${after?.id}::uuid)`))
    .orderBy('users.created_at')
    .orderBy('users.id')
    .limit(limit)
    .execute();
}

/** Whether any of the tenant's users belongs to a brand (on the export's snapshot: then no page needs to look). */
export async function anyBrandMemberships(db: Kysely<DB>, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('user_brands').select('user_id').where('tenant_id', '=', tenantId).limit(1).executeTakeFirst();
  return row !== undefined;
}
