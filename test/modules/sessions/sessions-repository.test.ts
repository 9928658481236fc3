/** The sessions repository sees only its tenant: another tenant's id finds nothing and changes nothing. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomIds } from '../../../src/core/ids.ts';
import {
  claimRefreshToken,
  deleteUserSessions,
  findRefreshToken,
  findSession,
  findSessionForUpdate,
  insertRefreshToken,
  insertSession,
  listLiveSessions,
  lockSessionHolder,
  revokeSessions,
  touchSession,
} from '../../../src/modules/sessions/sessions.repository.ts';
import type { SessionsTable } from '../../../src/modules/sessions/sessions.table.ts';
import { insertUserRow, withTwoTenants } from '../../helpers/two-tenants.ts';

const env = withTwoTenants();

const HOUR = 3600_000;

async function userOf(tenantId: string, email: string): Promise<string> {
  return (await insertUserRow(env.t, tenantId, { email })).id;
}

function sessionOf(tenantId: string, userId: string, now: Date): SessionsTable {
  return {
    tenant_id: tenantId,
    id: randomIds.uuid(),
    user_id: userId,
    brand_id: null,
    method: 'password',
    ip: '203.0.113.7',
    user_agent: 'test',
    created_at: now,
    refreshed_at: now,
    expires_at: new Date(now.getTime() + 24 * HOUR),
    idle_expires_at: new Date(now.getTime() + 2 * HOUR),
    revoked_at: null,
    revoked_reason: null,
  };
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest();

describe('sessions repository is tenant-scoped', () => {
  it("another tenant's id neither finds, locks, touches, revokes nor deletes a user's sessions", async () => {
    const db = env.t.registry.db;
    const now = new Date();
    const userId = await userOf(env.a.id, 'session-owner@example.com');
    const session = await insertSession(db, sessionOf(env.a.id, userId, now));

    expect((await lockSessionHolder(db, env.a.id, userId))?.id).toBe(userId);
    expect(await lockSessionHolder(db, env.b.id, userId)).toBeUndefined();
    expect(await listLiveSessions(db, env.b.id, userId, now)).toEqual([]);
    expect(await findSession(db, env.b.id, session.id)).toBeUndefined();
    expect(await findSessionForUpdate(db, env.b.id, session.id)).toBeUndefined();

    const later = new Date(now.getTime() + HOUR);
    await touchSession(db, env.b.id, session.id, later, new Date(later.getTime() + 2 * HOUR));
    expect(await revokeSessions(db, env.b.id, { ids: [session.id] }, 'stolen', later)).toEqual([]);
    expect(await revokeSessions(db, env.b.id, { userId }, 'stolen', later)).toEqual([]);
    await deleteUserSessions(db, env.b.id, userId);
    // The user does not exist in tenant b: no session can be opened for it there.
    await expect(insertSession(db, sessionOf(env.b.id, userId, now))).rejects.toThrow();

    const kept = await findSession(db, env.a.id, session.id);
    expect(kept?.refreshed_at.getTime()).toBe(now.getTime());
    expect(kept?.revoked_at).toBeNull();
    expect((await listLiveSessions(db, env.a.id, userId, now)).map((s) => s.id)).toEqual([session.id]);

    // In its own tenant the same calls act, so the ones above did nothing because of the tenant.
    await touchSession(db, env.a.id, session.id, later, new Date(later.getTime() + 2 * HOUR));
    expect((await findSession(db, env.a.id, session.id))?.refreshed_at.getTime()).toBe(later.getTime());
    expect(await revokeSessions(db, env.a.id, { userId }, 'logout', later)).toEqual([session.id]);
    await deleteUserSessions(db, env.a.id, userId);
    expect(await findSession(db, env.a.id, session.id)).toBeUndefined();
  });

  it("another tenant's id neither finds nor claims a session's refresh token", async () => {
    const db = env.t.registry.db;
    const now = new Date();
    const userId = await userOf(env.a.id, 'refresh-owner@example.com');
    const session = await insertSession(db, sessionOf(env.a.id, userId, now));
    const hash = tokenHash(`refresh-${session.id}`);
    await insertRefreshToken(db, env.a.id, session.id, hash, now);

    expect(await findRefreshToken(db, env.b.id, hash)).toBeUndefined();
    expect(await claimRefreshToken(db, env.b.id, hash, now)).toBeUndefined();
    // A token of tenant a's session cannot be filed under tenant env.b.
    await expect(insertRefreshToken(db, env.b.id, session.id, tokenHash(`other-${session.id}`), now)).rejects.toThrow();

    expect(await findRefreshToken(db, env.a.id, hash)).toEqual({ session_id: session.id, used_at: null });
    expect(await claimRefreshToken(db, env.a.id, hash, now)).toBe(session.id);
    expect(await claimRefreshToken(db, env.a.id, hash, now)).toBeUndefined();
  });
});
