import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.ts';
import { uniqueViolation } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { OperatorRole, OperatorRow, OperatorSessionRow } from './operators.table.ts';

/** @throws AppError OPERATOR_EMAIL_TAKEN */
export async function insertOperator(
  db: Kysely<DB>,
  row: { id: string; email: string; name: string; passwordHash: string; role: OperatorRole; tenantIds: string[] },
  now: Date,
): Promise<OperatorRow> {
  try {
    return await db
      .insertInto('operators')
      .values({
        id: row.id,
        email: row.email,
        name: row.name,
        password_hash: row.passwordHash,
        role: row.role,
        tenant_ids: JSON.stringify(row.tenantIds),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (uniqueViolation(error) === 'operators_email_key')
      throw new AppError('OPERATOR_EMAIL_TAKEN', 'An operator with this email exists', { field: 'email' });
    throw error;
  }
}

export function findOperatorByEmail(db: Kysely<DB>, email: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findOperatorById(db: Kysely<DB>, id: string): Promise<OperatorRow | undefined> {
  return db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listOperators(db: Kysely<DB>): Promise<OperatorRow[]> {
  return db.selectFrom('operators').selectAll().orderBy('email').limit(1000).execute();
}

/** Removes an operator; its sessions go with it (ON DELETE CASCADE). True when one was removed. */
export async function deleteOperator(db: Kysely<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('operators').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function insertOperatorSession(
  db: Kysely<DB>,
  row: { tokenHash: Buffer; id: string; operatorId: string | null; csrfToken: string; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db
    .insertInto('operator_sessions')
    .values({
      token_hash: row.tokenHash,
      id: row.id,
      operator_id: row.operatorId,
      csrf_token: row.csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: row.expiresAt,
    })
    .execute();
}

/** A session that is neither ended nor past its absolute deadline; the idle deadline is the caller's rule. */
export function findLiveOperatorSession(db: Kysely<DB>, tokenHash: Buffer, now: Date): Promise<OperatorSessionRow | undefined> {
  return db
    .selectFrom('operator_sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchOperatorSession(db: Kysely<DB>, id: string, now: Date): Promise<void> {
  await db.updateTable('operator_sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

export async function endOperatorSession(db: Kysely<DB>, tokenHash: Buffer, now: Date): Promise<void> {
  await db
    .updateTable('operator_sessions')
    .set({ ended_at: now })
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .execute();
}
