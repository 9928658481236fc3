/**
 * With REDIS_URL set, the session cache is invalidated over Redis pub/sub instead of LISTEN/NOTIFY: two app
 * instances on one database (two processes of a deployment), each caching the sessions it checked. A revocation
 * made through one (logout, force logout, deactivation, refresh-token reuse) is refused by the other within 100 ms;
 * the other listens on Redis only, so nothing else could have told it. Runs on both backends.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_SESSIONS_CHANNEL } from '../../../src/modules/sessions/redis-session-bus.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser } from '../../helpers/users.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery staple 42';
const config = { sessionCacheSeconds: 600, redisUrl: REDIS_URL };
let a: TestApp;
let b: TestApp;
let tenant: TestTenant;
let n = 0;

beforeAll(async () => {
  a = await createTestApp({ config });
  b = await createTestApp({ config });
  await a.registry.sessionCache.start();
  await b.registry.sessionCache.start();
  tenant = await createTenant(a);
}, 180_000);
afterAll(async () => {
  for (const t of [a, b]) {
    if (!t) continue;
    await t.app.close();
    await t.registry.close();
  }
});

function me(t: TestApp, token: string) {
  return t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
}

async function refusedWithin(t: TestApp, token: string, ms: number): Promise<boolean> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if ((await me(t, token)).statusCode === 401) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

async function evictedWithin(t: TestApp, sessionId: string, ms: number): Promise<boolean> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (!t.registry.sessionCache.get(tenant.id, sessionId)) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

/** A signed-in user whose session B has checked and cached. */
async function cachedInB(): Promise<{ userId: string; sessionId: string; accessToken: string; refreshToken: string }> {
  const email = `redis-${n++}@example.com`;
  const user = await createUser(a, tenant, { email, password: PASSWORD });
  const signIn = await a.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email, password: PASSWORD } });
  expect(signIn.statusCode).toBe(201);
  const { accessToken, refreshToken, session } = signIn.json();
  // Wait out announcements of earlier steps still in flight (the sign-in itself announces its new session).
  await new Promise((r) => setTimeout(r, 20));
  expect((await me(b, accessToken)).statusCode).toBe(200);
  expect(b.registry.sessionCache.get(tenant.id, session.id)?.id).toBe(session.id);
  return { userId: user.id, sessionId: session.id, accessToken, refreshToken };
}

describe('session cache over Redis pub/sub', () => {
  it('evicts what a message on the Redis channel names, and nothing else', async () => {
    const s = await cachedInB();
    const other = await cachedInB();
    const publisher = new Redis(REDIS_URL);
    try {
      await publisher.publish(REDIS_SESSIONS_CHANNEL, `${tenant.id}:${s.sessionId}`);
      expect(await evictedWithin(b, s.sessionId, 1000)).toBe(true);
      expect(b.registry.sessionCache.get(tenant.id, other.sessionId)?.id).toBe(other.sessionId);
    } finally {
      publisher.disconnect();
    }
  });

  it('a logout in one instance is refused in the other within 100 ms', async () => {
    const s = await cachedInB();
    const ended = await a.call({ method: 'DELETE', url: `/v1/sessions/${s.sessionId}`, headers: tenant.auth });
    expect(ended.statusCode).toBe(204);
    expect(await evictedWithin(b, s.sessionId, 100)).toBe(true);
    expect(await refusedWithin(b, s.accessToken, 100)).toBe(true);
  });

  it('a force logout and a deactivation in one instance are refused in the other within 100 ms', async () => {
    const forced = await cachedInB();
    const out = await a.call({ method: 'POST', url: `/v1/users/${forced.userId}/logout`, headers: tenant.auth });
    expect(out.statusCode).toBeLessThan(300);
    expect(await evictedWithin(b, forced.sessionId, 100)).toBe(true);
    expect(await refusedWithin(b, forced.accessToken, 100)).toBe(true);

    const deactivated = await cachedInB();
    const res = await a.call({ method: 'POST', url: `/v1/users/${deactivated.userId}/deactivate`, headers: tenant.auth });
    expect(res.statusCode).toBe(200);
    // /v1/me reads the user's status anyway: the eviction is what shows the announcement arrived.
    expect(await evictedWithin(b, deactivated.sessionId, 100)).toBe(true);
    expect(await refusedWithin(b, deactivated.accessToken, 100)).toBe(true);
  });

  it('a replayed refresh token in one instance ends the session in the other within 100 ms', async () => {
    const s = await cachedInB();
    const refresh = (token: string) =>
      a.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tenant.auth, payload: { refreshToken: token } });
    expect((await refresh(s.refreshToken)).statusCode).toBe(200);
    // The refresh itself is announced too (its idle expiry moved): B reads the session again.
    expect(await evictedWithin(b, s.sessionId, 100)).toBe(true);
    expect((await me(b, s.accessToken)).statusCode).toBe(200);
    expect((await refresh(s.refreshToken)).statusCode).toBe(401);
    expect(await refusedWithin(b, s.accessToken, 100)).toBe(true);
  });
});
