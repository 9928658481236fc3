import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem } from '../helpers/problem.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let t: TestApp;

// No key cache: a limit changed by the admin applies to the next request.
beforeAll(async () => {
  t = await createTestApp({ config: { apiKeyCacheSeconds: 0 } });
});
afterAll(() => t.close());

function listUsers(app: TestApp, auth: { authorization: string }) {
  return app.call({ method: 'GET', url: '/v1/users', query: { limit: '1' }, headers: auth });
}

async function statuses(app: TestApp, auth: { authorization: string }, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await listUsers(app, auth)).statusCode);
  return out;
}

function patchTenant(app: TestApp, tenant: TestTenant, rateLimit: unknown) {
  return app.call({ method: 'PATCH', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth(), payload: { rateLimit } });
}

async function keyIdOf(app: TestApp, tenant: TestTenant, secret: string): Promise<string> {
  const keys = (await app.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() })).json().data;
  return keys.find((k: { prefix: string }) => secret.startsWith(k.prefix)).id;
}

describe('API rate limits: none set', () => {
  it('never counts nor answers RateLimit headers or 429', async () => {
    const tenant = await createTenant(t);
    for (let i = 0; i < 30; i++) {
      const res = await listUsers(t, tenant.auth);
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
      expect(res.headers['ratelimit-remaining']).toBeUndefined();
    }
  });
});

describe('API rate limits: tenant and key', () => {
  it('applies the tenant’s limit to each key, with RateLimit-* headers, then 429 RATE_LIMITED with Retry-After', async () => {
    const tenant = await createTenant(t, { rateLimit: { max: 3, windowSeconds: 60 } });
    const first = await listUsers(t, tenant.auth);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' });
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(first.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    expect((await listUsers(t, tenant.auth)).headers['ratelimit-remaining']).toBe('1');
    expect((await listUsers(t, tenant.auth)).headers['ratelimit-remaining']).toBe('0');

    const refused = await listUsers(t, tenant.auth);
    const problem = expectProblem(refused, 429, 'RATE_LIMITED');
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(problem.retryAfterSeconds).toBe(retryAfter);

    // The limit is per key: another key of the tenant has its own budget.
    const other = await createKey(t, tenant.id, { name: 'second' });
    expect(await statuses(t, { authorization: `Bearer ${other}` }, 4)).toEqual([200, 200, 200, 429]);
  });

  it('counts writes and invalid requests too, but never admin calls', async () => {
    const tenant = await createTenant(t, { rateLimit: { max: 2, windowSeconds: 60 } });
    const invalid = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 42 } });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.headers['ratelimit-remaining']).toBe('1');
    const created = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'rl@example.com' } });
    expect(created.statusCode).toBe(201);
    expectProblem(
      await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'rl2@example.com' } }),
      429,
      'RATE_LIMITED',
    );
    for (let i = 0; i < 5; i++) {
      const admin = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth() });
      expect(admin.statusCode).toBe(200);
      expect(admin.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('lets a key’s own limit override its tenant’s, set at creation or by PATCH, and null restore the tenant’s', async () => {
    const tenant = await createTenant(t, { rateLimit: { max: 2, windowSeconds: 60 } });
    const secret = await createKey(t, tenant.id, { name: 'bulk', rateLimit: { max: 5, windowSeconds: 60 } });
    const auth = { authorization: `Bearer ${secret}` };
    expect(await statuses(t, auth, 6)).toEqual([200, 200, 200, 200, 200, 429]);

    const keyId = await keyIdOf(t, tenant, secret);
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.slug}/keys/${keyId}`,
      headers: adminAuth(),
      payload: { rateLimit: { max: 50, windowSeconds: 60 } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ id: keyId, rateLimit: { max: 50, windowSeconds: 60 } });
    const after = await listUsers(t, auth);
    expect(after.statusCode).toBe(200);
    expect(after.headers['ratelimit-limit']).toBe('50');

    const reset = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}/keys/${keyId}`,
      headers: adminAuth(),
      payload: { rateLimit: null },
    });
    expect(reset.json().rateLimit).toBeNull();
    expect((await listUsers(t, auth)).headers['ratelimit-limit']).toBe('2');

    const keys = (await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() })).json().data;
    expect(keys.find((k: { id: string }) => k.id === keyId).rateLimit).toBeNull();
    const events = (await t.call({ method: 'GET', url: '/v1/events', query: { type: 'api_key.updated' }, headers: tenant.auth })).json();
    expect(events.data.map((e: { changes: unknown }) => e.changes)).toEqual([
      { rateLimit: { before: { max: 5, windowSeconds: 60 }, after: { max: 50, windowSeconds: 60 } } },
      { rateLimit: { before: { max: 50, windowSeconds: 60 }, after: null } },
    ]);
  });

  it("counts the dialects too, one budget per key across /v1 and every vendor API, in each API's envelope", async () => {
    const tenant = await createTenant(t, { hosts: [`rl-${Date.now()}.example.com`] });
    expect((await patchTenant(t, tenant, { max: 3, windowSeconds: 60 })).statusCode).toBe(200);
    const host = (await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth() })).json().hosts[0];
    const tagmango = () =>
      t.call({
        method: 'GET',
        url: '/api/v1/external/users',
        headers: { ...tenant.auth, 'x-whitelabel-host': host },
        query: { email: 'nobody@example.com' },
      });
    expect((await listUsers(t, tenant.auth)).statusCode).toBe(200);
    const second = await tagmango();
    expect(second.statusCode).toBe(404);
    expect(second.headers['ratelimit-remaining']).toBe('1');
    expect((await listUsers(t, tenant.auth)).statusCode).toBe(200);
    const refused = await tagmango();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json()).toMatchObject({ code: 429, success: false });
    expect((await listUsers(t, tenant.auth)).statusCode).toBe(429);
  });

  it('counts Naviga against the key’s own budget, shared with /v1, and answers UsersOrchestrator_E429_01 with the headers', async () => {
    const codes = { clientGroup: `RLG${Date.now()}`, client: 'RLC', paper: 'RLP' };
    const tenant = await createTenant(t, { codes });
    const secret = await createKey(t, tenant.id, { name: 'naviga', rateLimit: { max: 3, windowSeconds: 300 } });
    const auth = { authorization: `Bearer ${secret}` };
    const naviga = (headers: Record<string, string> = {}) =>
      t.call({
        method: 'GET',
        url: '/v4/Users',
        query: { email: 'nobody@example.com' },
        headers: {
          ...auth,
          'x-sourcesystem': 'rl-test',
          'x-clientgroupcode': codes.clientGroup,
          'x-clientcode': codes.client,
          'x-papercode': codes.paper,
          ...headers,
        },
      });
    const first = await naviga();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' });
    // An invalid Naviga request is counted too, as on /v1.
    const invalid = await naviga({ 'x-papercode': '' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['ratelimit-remaining']).toBe('1');
    expect((await listUsers(t, auth)).headers['ratelimit-remaining']).toBe('0');

    const refused = await naviga();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.json()).toEqual({
      message: { code: 'UsersOrchestrator_E429_01', text: expect.any(String), type: 'Error' },
      data: [],
      meta: { totalRecords: 0 },
    });
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(300);
    for (let i = 0; i < 3; i++) expect((await naviga()).statusCode).toBe(429);
    expect((await listUsers(t, auth)).statusCode).toBe(429);
    // The tenant's other key (no limit) is not touched.
    expect((await listUsers(t, tenant.auth)).statusCode).toBe(200);
  });

  it('applies a tenant limit set, changed or removed by the admin', async () => {
    const tenant = await createTenant(t);
    expect((await listUsers(t, tenant.auth)).headers['ratelimit-limit']).toBeUndefined();

    const set = await patchTenant(t, tenant, { max: 2, windowSeconds: 30 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().rateLimit).toEqual({ max: 2, windowSeconds: 30 });
    expect((await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth() })).json().rateLimit).toEqual({
      max: 2,
      windowSeconds: 30,
    });
    expect(await statuses(t, tenant.auth, 3)).toEqual([200, 200, 429]);

    await patchTenant(t, tenant, { max: 10, windowSeconds: 30 });
    expect(await statuses(t, tenant.auth, 1)).toEqual([200]);

    await patchTenant(t, tenant, null);
    const free = await listUsers(t, tenant.auth);
    expect(free.statusCode).toBe(200);
    expect(free.headers['ratelimit-limit']).toBeUndefined();
  });

  it('refuses malformed limits and unknown keys', async () => {
    const tenant = await createTenant(t);
    for (const rateLimit of [{ max: 0, windowSeconds: 60 }, { max: 5 }, { max: 5, windowSeconds: 60, burst: 2 }, 5]) {
      expectProblem(await patchTenant(t, tenant, rateLimit), 422, 'VALIDATION_FAILED');
    }
    const unknown = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}/keys/00000000-0000-7000-8000-000000000000`,
      headers: adminAuth(),
      payload: { rateLimit: null },
    });
    expectProblem(unknown, 404, 'API_KEY_NOT_FOUND');
  });

  it('takes a key limit change at once in the process that made it, even with the key cache on', async () => {
    const cached = await createTestApp({ config: { apiKeyCacheSeconds: 60 } });
    try {
      const tenant = await createTenant(cached);
      expect((await listUsers(cached, tenant.auth)).headers['ratelimit-limit']).toBeUndefined();
      const keyId = await keyIdOf(cached, tenant, tenant.key);
      await cached.call({
        method: 'PATCH',
        url: `/v1/admin/tenants/${tenant.id}/keys/${keyId}`,
        headers: adminAuth(),
        payload: { rateLimit: { max: 1, windowSeconds: 60 } },
      });
      expect(await statuses(cached, tenant.auth, 2)).toEqual([200, 429]);
    } finally {
      await cached.close();
    }
  });
});

describe('API rate limits on Redis', () => {
  let one: TestApp;
  let two: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    const config = { redisUrl: REDIS_URL, apiKeyCacheSeconds: 0 };
    [one, two] = [await createTestApp({ config }), await createTestApp({ config })];
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
    await redis.quit();
  });

  it('shares one counter between two app instances', async () => {
    const tenant = await createTenant(one, { rateLimit: { max: 5, windowSeconds: 60 } });
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => listUsers(i % 2 === 0 ? one : two, tenant.auth)));
    const codes = responses.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(7);
    for (const res of responses.filter((r) => r.statusCode === 429)) expectProblem(res, 429, 'RATE_LIMITED');

    const keyId = await keyIdOf(one, tenant, tenant.key);
    const counter = `roster:rate-limit:${keyId}`;
    expect(await redis.get(counter)).toBe('12');
    const ttl = await redis.pttl(counter);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await redis.del(counter);
  });

  it('serves requests unlimited while Redis is unreachable, and never logs its password', async () => {
    const log = new Capture();
    const down = await createTestApp({
      config: { redisUrl: 'redis://roster:s3cret-redis-pw@127.0.0.1:1/0', apiKeyCacheSeconds: 0, logLevel: 'warn' },
      logStream: log,
    });
    try {
      const tenant = await createTenant(down, { rateLimit: { max: 1, windowSeconds: 60 } });
      expect(await statuses(down, tenant.auth, 3)).toEqual([200, 200, 200]);
      expect(log.text).toContain('Redis is unreachable');
      expect(log.text).not.toContain('s3cret-redis-pw');
    } finally {
      await down.close();
    }
  });

  it('reads REDIS_URL from the environment and refuses other schemes without echoing the value', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(() => loadConfig({ REDIS_URL: 'http://user:pw-in-url@host' })).toThrow(/^(?!.*pw-in-url).*REDIS_URL/);
  });
});

/** Captures everything pino writes. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}
