import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

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
