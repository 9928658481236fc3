import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { ActorContext } from '../../core/context.ts';
import { notFound, validationFailed } from '../../core/error-helpers.ts';
import type { AppError, FieldError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findUserById, lockLiveUser } from '../users/users.repository.ts';
import { findPlansByIds } from './plans.repository.ts';
import type { AssignPlanSchema } from './plans.schemas.ts';
import type { PlansDeps, PlansService } from './plans.service.ts';
import type { PlanRow, UserPlanRow } from './plans.table.ts';
import { type AssignmentView, addDuration, isAssignmentActive, LATEST_BOUND, parseValidityBound, toAssignmentView } from './plans.ts';
import { endAssignment, findAssignmentForUpdate, insertAssignment, listUserAssignments } from './user-plans.repository.ts';

/** `plan` by id, external id or number; `validFrom` / `validTo` as RFC 3339 date-times or YYYY-MM-DD (see the schema). */
export type AssignPlanInput = Static<typeof AssignPlanSchema>;

/** An assignment checked against its plan, ready to write inside a user change's transaction. */
export interface PreparedAssignment {
  plan: PlanRow;
  validFrom: Date;
  validTo: Date | null;
}

export interface UserPlansService {
  /**
   * Resolves the plan and the period of an assignment before any write.
   * @throws AppError PLAN_NOT_FOUND (naming `plan`), VALIDATION_FAILED (naming validFrom / validTo)
   */
  prepareAssignment(ctx: ActorContext, input: AssignPlanInput): Promise<PreparedAssignment>;
  /** Writes a prepared assignment and its event inside the caller's transaction, which holds the user. */
  writeAssignment(trx: Kysely<DB>, ctx: ActorContext, userId: string, prepared: PreparedAssignment): Promise<AssignmentView>;
  /** Ends an assignment inside the caller's transaction, which holds the user. @throws AppError PLAN_ASSIGNMENT_NOT_FOUND */
  writeEndAssignment(trx: Kysely<DB>, ctx: ActorContext, userId: string, assignmentId: string): Promise<AssignmentView>;
  /**
   * Gives the user a plan (by id, number or external id) for a period. Earlier assignments stay as they are.
   * @throws AppError USER_NOT_FOUND, PLAN_NOT_FOUND (naming `plan`), VALIDATION_FAILED (naming validFrom / validTo)
   */
  assignPlan(ctx: ActorContext, userId: string, input: AssignPlanInput): Promise<AssignmentView>;
  /** Every assignment of the user, active and past, oldest start first. @throws AppError USER_NOT_FOUND */
  listAssignments(ctx: ActorContext, userId: string, query?: { active?: boolean }): Promise<AssignmentView[]>;
  /**
   * Ends an assignment now (idempotent: an ended or expired one is returned as it is). The row stays as history.
   * @throws AppError USER_NOT_FOUND, PLAN_ASSIGNMENT_NOT_FOUND
   */
  endAssignment(ctx: ActorContext, userId: string, assignmentId: string): Promise<AssignmentView>;
}

function userNotFound(id: string): AppError {
  return notFound('USER_NOT_FOUND', { id });
}

export function createUserPlansService(deps: PlansDeps, plans: PlansService): UserPlansService {
  const { db, clock, ids, events } = deps;

  async function views(ctx: ActorContext, rows: UserPlanRow[], executor: Kysely<DB> = db): Promise<AssignmentView[]> {
    const planRows = await findPlansByIds(executor, ctx.tenantId, [...new Set(rows.map((r) => r.plan_id))]);
    const byId = new Map(planRows.map((p) => [p.id, p]));
    const now = clock.now();
    return rows.flatMap((row) => {
      const plan = byId.get(row.plan_id);
      return plan ? [toAssignmentView(row, plan, now)] : [];
    });
  }

  /** The explicit bounds of an assignment. @throws AppError VALIDATION_FAILED naming validFrom / validTo */
  function boundsOf(input: AssignPlanInput): { from: Date; explicitTo: Date | null } {
    const errors: FieldError[] = [];
    const validFrom = input.validFrom === undefined ? clock.now() : parseValidityBound(input.validFrom, 'validFrom', errors);
    const explicitTo = input.validTo == null ? null : parseValidityBound(input.validTo, 'validTo', errors);
    if (errors.length > 0) throw validationFailed(errors);
    return { from: validFrom as Date, explicitTo };
  }

  async function prepareAssignment(ctx: ActorContext, input: AssignPlanInput): Promise<PreparedAssignment> {
    const { from, explicitTo } = boundsOf(input);
    const plan = await plans.requirePlan(ctx, input.plan, 'plan');
    const validTo = input.validTo === undefined ? (plan.default_duration ? addDuration(from, plan.default_duration) : null) : explicitTo;
    if (validTo && validTo <= from) {
      throw validationFailed([{ field: 'validTo', code: 'invalid_range', message: 'must be later than validFrom' }]);
    }
    if (validTo && validTo.getTime() > LATEST_BOUND) {
      // Only a default duration can get here: explicit bounds are checked when read.
      throw validationFailed([
        { field: 'validFrom', code: 'out_of_range', message: "with the plan's default duration, ends after 9999-12-30" },
      ]);
    }
    return { plan, validFrom: from, validTo };
  }

  async function writeAssignment(
    trx: Kysely<DB>,
    ctx: ActorContext,
    userId: string,
    prepared: PreparedAssignment,
  ): Promise<AssignmentView> {
    const { plan, validFrom: from, validTo } = prepared;
    const now = clock.now();
    const assignment = await insertAssignment(trx, ctx.tenantId, {
      id: ids.uuid(),
      userId,
      planId: plan.id,
      validFrom: from,
      validTo,
      createdAt: now,
    });
    await events.record(trx, ctx, {
      type: 'plan.assigned',
      userId,
      data: {
        assignmentId: assignment.id,
        planId: plan.id,
        planNumber: plan.number,
        validFrom: from.toISOString(),
        validTo: validTo?.toISOString() ?? null,
      },
    });
    return toAssignmentView(assignment, plan, clock.now());
  }

  async function writeEndAssignment(trx: Kysely<DB>, ctx: ActorContext, userId: string, assignmentId: string): Promise<AssignmentView> {
    const existing = isUuid(assignmentId) ? await findAssignmentForUpdate(trx, ctx.tenantId, userId, assignmentId) : undefined;
    if (!existing) {
      throw notFound('PLAN_ASSIGNMENT_NOT_FOUND', { assignmentId }, { message: `Plan assignment ${assignmentId} not found` });
    }
    const now = clock.now();
    // An ended or expired assignment is returned as it is: ending is idempotent.
    let row = existing;
    if (existing.ended_at === null && (existing.valid_to === null || existing.valid_to > now)) {
      row = await endAssignment(trx, ctx.tenantId, existing.id, now);
      await events.record(trx, ctx, {
        type: 'plan.ended',
        userId,
        data: { assignmentId: existing.id, planId: existing.plan_id, endedAt: now.toISOString() },
      });
    }
    const [view] = await views(ctx, [row], trx);
    return view;
  }

  return {
    prepareAssignment,
    writeEndAssignment,
    writeAssignment,

    async assignPlan(ctx, userId, input) {
      if (!isUuid(userId)) throw userNotFound(userId);
      // A bad period is a 422 whether or not the user exists; an unknown user a 404 whatever the plan.
      boundsOf(input);
      if (!(await findUserById(db, ctx.tenantId, userId))) throw userNotFound(userId);
      const prepared = await prepareAssignment(ctx, input);
      return inTransaction(db, async (trx) => {
        if (!(await lockLiveUser(trx, ctx.tenantId, userId))) throw userNotFound(userId);
        return writeAssignment(trx, ctx, userId, prepared);
      });
    },

    async listAssignments(ctx, userId, query = {}) {
      if (!isUuid(userId) || !(await findUserById(db, ctx.tenantId, userId))) throw userNotFound(userId);
      let rows = await listUserAssignments(db, ctx.tenantId, userId);
      if (query.active !== undefined) {
        const now = clock.now();
        rows = rows.filter((row) => isAssignmentActive(row, now) === query.active);
      }
      return views(ctx, rows);
    },

    async endAssignment(ctx, userId, assignmentId) {
      if (!isUuid(userId)) throw userNotFound(userId);
      return inTransaction(db, async (trx) => {
        if (!(await lockLiveUser(trx, ctx.tenantId, userId))) throw userNotFound(userId);
        return writeEndAssignment(trx, ctx, userId, assignmentId);
      });
    },
  };
}
