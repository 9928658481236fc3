import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { decodeTimeIdCursor, timeIdPage } from '../../core/cursor.ts';
import { AppError } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import {
  findPlanByExternalId,
  findPlanByIdForUpdate,
  findPlanByRef,
  insertPlan,
  listPlans,
  nextPlanNumber,
  type PlanRef,
  updatePlan,
} from './plans.repository.ts';
import type { PlanRow } from './plans.table.ts';
import { type PlanInput, type PlanView, planNotFound, planPlanWrite, toPlanView } from './plans.ts';

export interface PlansDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
}

export interface PlansService {
  /** @throws AppError VALIDATION_FAILED, PLAN_EXTERNAL_ID_TAKEN */
  createPlan(ctx: ActorContext, input: PlanInput & { name: string }): Promise<PlanView>;
  /** By id, external id or number. @throws AppError PLAN_NOT_FOUND */
  getPlan(ctx: ActorContext, ref: PlanRef): Promise<PlanView>;
  /** @throws AppError PLAN_NOT_FOUND naming `field` when given */
  requirePlan(ctx: ActorContext, ref: PlanRef, field?: string): Promise<PlanRow>;
  /** @throws AppError INVALID_PARAMETER for a malformed cursor */
  listPlans(
    ctx: ActorContext,
    query: { q?: string; cursor?: string; limit?: number },
  ): Promise<{ data: PlanView[]; nextCursor: string | null }>;
  /**
   * JSON merge patch; with expectedVersion, fails when the plan has moved on. The number never changes.
   * @throws AppError PLAN_NOT_FOUND, PRECONDITION_FAILED, VALIDATION_FAILED, PLAN_EXTERNAL_ID_TAKEN
   */
  patchPlan(ctx: ActorContext, ref: PlanRef, input: PlanInput, expectedVersion?: number): Promise<PlanView>;
}

export function createPlansService(deps: PlansDeps): PlansService {
  const { db, clock, ids, events } = deps;

  async function toPlanConflict(tenantId: string, externalId: string | null | undefined, error: unknown): Promise<unknown> {
    if (!(error instanceof AppError) || error.code !== 'PLAN_EXTERNAL_ID_TAKEN' || !externalId) return error;
    error.details.existingId = (await findPlanByExternalId(db, tenantId, externalId))?.id ?? null;
    return error;
  }

  async function requirePlan(ctx: ActorContext, ref: PlanRef, field?: string): Promise<PlanRow> {
    const row = await findPlanByRef(db, ctx.tenantId, ref);
    if (!row) throw planNotFound(ref, field);
    return row;
  }

  return {
    async createPlan(ctx, input) {
      const { columns, changes } = planPlanWrite(input, null);
      try {
        const row = await inTransaction(db, async (trx) => {
          const plan = await insertPlan(trx, ctx.tenantId, {
            id: ids.uuid(),
            number: await nextPlanNumber(trx, ctx.tenantId),
            external_id: columns.external_id ?? null,
            name: columns.name ?? '',
            default_duration: columns.default_duration ?? null,
            created_at: clock.now(),
          });
          await events.record(trx, ctx, { type: 'plan.created', changes, data: { planId: plan.id, number: plan.number } });
          return plan;
        });
        return toPlanView(row);
      } catch (error) {
        throw await toPlanConflict(ctx.tenantId, columns.external_id, error);
      }
    },

    async getPlan(ctx, ref) {
      return toPlanView(await requirePlan(ctx, ref));
    },

    requirePlan,

    async listPlans(ctx, query) {
      const limit = query.limit ?? 50;
      const after = decodeTimeIdCursor(query.cursor);
      const rows = await listPlans(db, ctx.tenantId, { q: query.q?.trim() || undefined }, after, limit + 1);
      const { page, nextCursor } = timeIdPage(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
      return { data: page.map(toPlanView), nextCursor };
    },

    async patchPlan(ctx, ref, input, expectedVersion) {
      const found = await requirePlan(ctx, ref);
      try {
        const row = await inTransaction(db, async (trx) => {
          const existing = await findPlanByIdForUpdate(trx, ctx.tenantId, found.id);
          if (!existing) throw planNotFound(ref);
          if (expectedVersion !== undefined && existing.version !== expectedVersion) {
            throw new AppError('PRECONDITION_FAILED', 'The plan has changed since that version', { currentVersion: existing.version });
          }
          const { columns, changes } = planPlanWrite(input, existing);
          if (Object.keys(changes).length === 0) return existing;
          const updated = await updatePlan(trx, ctx.tenantId, existing.id, columns, clock.now());
          if (!updated) throw planNotFound(ref);
          await events.record(trx, ctx, { type: 'plan.updated', changes, data: { planId: existing.id, number: existing.number } });
          return updated;
        });
        return toPlanView(row);
      } catch (error) {
        throw await toPlanConflict(ctx.tenantId, input.externalId?.trim(), error);
      }
    },
  };
}
