import { type Kysely, sql } from 'kysely';
import type { TimeIdPosition } from '../../core/cursor.ts';
import { AppError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import { afterTimeId, containsPattern } from '../../db/paging.ts';
import type { DB } from '../../db/schema.ts';
import type { PlanRow } from './plans.table.ts';
import type { PlanColumns } from './plans.ts';

/** How a caller named a plan: a JSON number is its number; text is its id, external id or number, in that order. */
export type PlanRef = string | number;

const INTEGER = /^[1-9]\d{0,14}$/;

/**
 * The tenant's next plan number. The counter row stays locked until the transaction ends, so concurrent
 * creates queue for it and numbers are never given twice (and, as a failed create rolls it back, never skipped).
 */
export async function nextPlanNumber(db: Kysely<DB>, tenantId: string): Promise<number> {
  const row = await db
    .insertInto('plan_numbers')
    .values({ tenant_id: tenantId, last_number: 1 })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({ last_number: eb('plan_numbers.last_number', '+', 1) })))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return Number(row.last_number);
}

export interface NewPlan {
  id: string;
  number: number;
  external_id: string | null;
  name: string;
  default_duration: string | null;
  created_at: Date;
}

/**
 * What a taken external id means to the caller; the service adds `existingId` (the holder) once the failed
 * transaction is over.
 */
const PLAN_UNIQUE: UniqueRules = {
  plans_tenant_external_id_key: () =>
    new AppError('PLAN_EXTERNAL_ID_TAKEN', 'externalId belongs to another plan', { field: 'externalId', existingId: null }, [
      { field: 'externalId', code: 'taken', message: 'belongs to another plan' },
    ]),
};

/**
 * Inserts a plan.
 * @throws AppError PLAN_EXTERNAL_ID_TAKEN
 */
export async function insertPlan(db: Kysely<DB>, tenantId: string, plan: NewPlan): Promise<PlanRow> {
  return withUniqueRules(PLAN_UNIQUE, () =>
    db
      .insertInto('plans')
      .values({ ...plan, tenant_id: tenantId, updated_at: plan.created_at })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

/** The plan a reference names (see PlanRef), preferring an id over an external id over a number. */
export async function findPlanByRef(db: Kysely<DB>, tenantId: string, ref: PlanRef): Promise<PlanRow | undefined> {
  const text = String(ref).trim();
  const byId = typeof ref === 'string' && isUuid(text);
  const byExternalId = typeof ref === 'string';
  const byNumber = INTEGER.test(text);
  if (!byId && !byExternalId && !byNumber) return undefined;
  return db
    .selectFrom('plans')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        ...(byId ? [eb('id', '=', text)] : []),
        ...(byExternalId ? [eb('external_id', '=', text)] : []),
        ...(byNumber ? [eb('number', '=', Number(text))] : []),
      ]),
    )
    .orderBy(sql`case when ${byId ? sql`id = ${text}` : sql`false`} then 0 when external_id = ${text} then 1 else 2 end`)
    .limit(1)
    .executeTakeFirst();
}

export async function findPlanByExternalId(db: Kysely<DB>, tenantId: string, externalId: string): Promise<PlanRow | undefined> {
  return db.selectFrom('plans').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
}

/** Locks the plan row for the rest of the transaction. */
export async function findPlanByIdForUpdate(db: Kysely<DB>, tenantId: string, id: string): Promise<PlanRow | undefined> {
  return db.selectFrom('plans').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Writes changed columns and bumps the version; undefined when the plan is gone.
 * @throws AppError PLAN_EXTERNAL_ID_TAKEN
 */
export async function updatePlan(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  columns: PlanColumns,
  now: Date,
): Promise<PlanRow | undefined> {
  return withUniqueRules(PLAN_UNIQUE, () =>
    db
      .updateTable('plans')
      .set((eb) => ({ ...columns, updated_at: now, version: eb('version', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
}

/** Plans by id, for joining assignments to their plans. */
export async function findPlansByIds(db: Kysely<DB>, tenantId: string, ids: string[]): Promise<PlanRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('plans').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
}

/** One page of a tenant's plans in (created_at, id) order, after the cursor position. */
export async function listPlans(
  db: Kysely<DB>,
  tenantId: string,
  filter: { q?: string },
  after: TimeIdPosition | null,
  limit: number,
): Promise<PlanRow[]> {
  let query = db.selectFrom('plans').selectAll().where('tenant_id', '=', tenantId);
  if (filter.q) {
    const pattern = containsPattern(filter.q);
    query = query.where((eb) =>
      eb.or([eb(eb.fn('lower', ['name']), 'like', pattern), eb(eb.fn('lower', ['external_id']), 'like', pattern)]),
    );
  }
  if (after) query = query.where(afterTimeId('created_at', 'id', after));
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}
