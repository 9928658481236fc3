/**
 * The session cache in one process, on both backends: a checked session is cached, and a revocation evicts it
 * through the sessions trigger's notification (PostgreSQL LISTEN, or PGlite's in-process listen), so the next
 * check is refused without waiting for the entry's TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser } from '../../helpers/users.ts';

const PASSWORD = 'correct horse battery staple 42';
let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp({ config: { sessionCacheSeconds: 600 } });
  await t.registry.sessionCache.start();
  tenant = await createTenant(t);
});
afterAll(async () => {
  await t.registry.sessionCache.stop();
  await t.close();
});

function me(token: string) {
  return t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
}

async function refusedWithin(token: string, ms: number): Promise<boolean> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if ((await me(token)).statusCode === 401) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

describe('session cache', () => {
  it('caches a checked session and drops it when the session is revoked', async () => {
    await createUser(t, tenant, { email: 'cache@example.com', password: PASSWORD });
    const signIn = await t.call({
      method: 'POST',
      url: '/v1/sessions',
      headers: tenant.auth,
      payload: { email: 'cache@example.com', password: PASSWORD },
    });
    expect(signIn.statusCode).toBe(201);
    const { accessToken, session } = signIn.json();
    const before = t.registry.sessionCache.size;
    expect((await me(accessToken)).statusCode).toBe(200);
    expect(t.registry.sessionCache.size).toBe(before + 1);
    expect(t.registry.sessionCache.get(tenant.id, session.id)?.id).toBe(session.id);
    const ended = await t.call({ method: 'DELETE', url: `/v1/sessions/${session.id}`, headers: tenant.auth });
    expect(ended.statusCode).toBe(204);
    expect(await refusedWithin(accessToken, 100)).toBe(true);
  });

  it('keeps nothing read while an invalidation arrived', () => {
    const cache = t.registry.sessionCache;
    const stamp = cache.stamp();
    cache.invalidate(tenant.id, '00000000-0000-0000-0000-000000000001');
    cache.set(tenant.id, '00000000-0000-0000-0000-000000000002', {} as never, stamp);
    expect(cache.get(tenant.id, '00000000-0000-0000-0000-000000000002')).toBeUndefined();
  });
});
