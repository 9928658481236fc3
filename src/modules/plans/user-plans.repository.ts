import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { UserPlanRow } from './plans.table.ts';

export async function insertAssignment(
  db: Kysely<DB>,
  tenantId: string,
  values: { id: string; userId: string; planId: string; validFrom: Date; validTo: Date | null; createdAt: Date },
): Promise<UserPlanRow> {
  return db
    .insertInto('user_plans')
    .values({
      tenant_id: tenantId,
      id: values.id,
      user_id: values.userId,
      plan_id: values.planId,
      valid_from: values.validFrom,
      valid_to: values.validTo,
      created_at: values.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A user's assignments, oldest start first (history included). */
export async function listUserAssignments(db: Kysely<DB>, tenantId: string, userId: string): Promise<UserPlanRow[]> {
  return db
    .selectFrom('user_plans')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('valid_from')
    .orderBy('id')
    .execute();
}

/** Locks one of a user's assignments for the rest of the transaction. */
export async function findAssignmentForUpdate(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
  id: string,
): Promise<UserPlanRow | undefined> {
  return db
    .selectFrom('user_plans')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Marks an assignment ended; the row stays as history. */
export async function endAssignment(db: Kysely<DB>, tenantId: string, id: string, now: Date): Promise<UserPlanRow> {
  return db
    .updateTable('user_plans')
    .set({ ended_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
