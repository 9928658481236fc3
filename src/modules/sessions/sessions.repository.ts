import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { SessionRow, SessionsTable } from './sessions.table.ts';

/** What a new session needs to know of its user, read under the user's row lock. */
export interface SessionHolder {
  id: string;
  status: string;
  sessions_limit: number | null;
  erased_at: Date | null;
}

/**
 * Locks the user row for the length of the transaction. Sign-ins of one user queue here, which is what makes
 * the session limit hold under concurrency: each sees the sessions the previous one left.
 */
export async function lockSessionHolder(db: Kysely<DB>, tenantId: string, userId: string): Promise<SessionHolder | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'status', 'sessions_limit', 'erased_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

/** The user's sessions that are neither revoked nor expired, oldest first. */
export async function listLiveSessions(db: Kysely<DB>, tenantId: string, userId: string, now: Date): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('idle_expires_at', '>', now)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function insertSession(db: Kysely<DB>, session: SessionsTable): Promise<SessionRow> {
  return db.insertInto('sessions').values(session).returningAll().executeTakeFirstOrThrow();
}

export async function findSession(db: Kysely<DB>, tenantId: string, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findSessionForUpdate(db: Kysely<DB>, tenantId: string, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Revokes the listed sessions, or every session of a user, that are not revoked yet; returns the ids it revoked. */
export async function revokeSessions(
  db: Kysely<DB>,
  tenantId: string,
  which: { ids: string[] } | { userId: string },
  reason: string,
  now: Date,
): Promise<string[]> {
  if ('ids' in which && which.ids.length === 0) return [];
  const rows = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('tenant_id', '=', tenantId)
    .where((eb) => ('ids' in which ? eb('id', 'in', which.ids) : eb('user_id', '=', which.userId)))
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Erasure: sessions hold addresses and user agents, so they go with the personal data. */
export async function deleteUserSessions(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}

export async function touchSession(db: Kysely<DB>, tenantId: string, id: string, now: Date, idleExpiresAt: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ refreshed_at: now, idle_expires_at: sql<Date>`least(${idleExpiresAt}::timestamptz, expires_at)` })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function insertRefreshToken(db: Kysely<DB>, tenantId: string, sessionId: string, tokenHash: Buffer, now: Date): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({ token_hash: tokenHash, tenant_id: tenantId, session_id: sessionId, created_at: now })
    .execute();
}

/**
 * Marks an unused refresh token used and returns its session. The row lock makes this the single point where
 * two concurrent refreshes with one token are told apart: the second finds it used.
 */
export async function claimRefreshToken(db: Kysely<DB>, tenantId: string, tokenHash: Buffer, now: Date): Promise<string | undefined> {
  const row = await db
    .updateTable('refresh_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('tenant_id', '=', tenantId)
    .where('used_at', 'is', null)
    .returning('session_id')
    .executeTakeFirst();
  return row?.session_id;
}

export async function findRefreshToken(
  db: Kysely<DB>,
  tenantId: string,
  tokenHash: Buffer,
): Promise<{ session_id: string; used_at: Date | null } | undefined> {
  return db
    .selectFrom('refresh_tokens')
    .select(['session_id', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
}

/** Every session of a user, ended ones included, oldest first (the user's data export). */
export async function listUserSessions(db: Kysely<DB>, tenantId: string, userId: string): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
