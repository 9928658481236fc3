import type { Kysely } from 'kysely';
import type { ActorContext } from '../../core/context.ts';
import type { DB } from '../../db/schema.ts';
import type { EventsService } from '../events/events.service.ts';
import { revokeSessions } from './sessions.repository.ts';

/** Why every session of a user ended. */
export type LogoutReason = 'logout' | 'deactivated' | 'erased' | 'password_changed';

/**
 * Revokes every session of a user inside the caller's transaction and writes `user.logged_out` when there
 * were any. Used by force logout and by the user changes that must end sessions (deactivation, erasure,
 * password change), so refresh and access tokens stop working the moment the change commits.
 */
export async function endUserSessions(
  trx: Kysely<DB>,
  events: EventsService,
  ctx: ActorContext,
  userId: string,
  reason: LogoutReason,
  now: Date,
): Promise<string[]> {
  const revoked = await revokeSessions(trx, ctx.tenantId, { userId }, reason, now);
  if (revoked.length > 0) {
    await events.record(trx, ctx, { type: 'user.logged_out', userId, data: { reason, sessionIds: revoked } });
  }
  return revoked;
}
