import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { ADMIN_TOKEN, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

// Noon UTC: the day boundaries below are the calendar's, not the test machine's time zone.
const clock = fixedClock(new Date('2026-03-10T12:00:00Z'));
const DAY = 86_400_000;
const PASSWORD = 'correct horse battery staple';

let t: TestApp;
let tenantA: TestTenant;
let tenantB: TestTenant;

beforeAll(async () => {
  t = await createTestApp({ console: true, clock, config: { secretKey: Buffer.alloc(32, 5) } });
  tenantA = await createTenant(t);
  tenantB = await createTenant(t);
});
afterAll(() => t.close());

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(payload: Record<string, string>): Promise<Session> {
  const res = await t.call({ method: 'POST', url: '/console/api/session', payload });
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: String(res.headers['set-cookie']).split(';')[0] as string, csrf: res.json().csrfToken };
}

const as = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });

async function api(tenant: TestTenant, method: 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) {
  return t.call({ method, url, headers: tenant.auth, ...(payload ? { payload } : {}) });
}

describe('console API: tenant overview', () => {
  it('counts users created, deactivated and erased, sign-ins and failures per day, events per type and live sessions', async () => {
    const ids: string[] = [];
    for (const name of ['ada', 'bob', 'cy']) {
      const res = await api(tenantA, 'POST', '/v1/users', { email: `${name}@example.com`, password: PASSWORD });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    // The next day: one deactivated, one erased, one sign-in that works and one that does not.
    clock.advance(DAY);
    expect((await api(tenantA, 'POST', `/v1/users/${ids[1]}/deactivate`)).statusCode).toBe(200);
    expect((await api(tenantA, 'DELETE', `/v1/users/${ids[2]}`)).statusCode).toBe(204);
    expect((await api(tenantA, 'POST', '/v1/sessions', { email: 'ada@example.com', password: PASSWORD })).statusCode).toBe(201);
    expect((await api(tenantA, 'POST', '/v1/sessions', { email: 'ada@example.com', password: 'wrong horse' })).statusCode).toBe(401);
    // Another tenant's activity counts nowhere here.
    expect((await api(tenantB, 'POST', '/v1/users', { email: 'ada@example.com', password: PASSWORD })).statusCode).toBe(201);

    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const res = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/overview?days=7`, headers: as(admin) });
    expect(res.statusCode, res.body).toBe(200);
    const o = res.json();
    expect(o.days).toBe(7);
    expect(o.from).toBe('2026-03-05');
    expect(o.to).toBe('2026-03-11');
    expect(o.daily).toHaveLength(7);
    const zero = { usersCreated: 0, usersDeactivated: 0, usersErased: 0, signIns: 0, signInsFailed: 0 };
    expect(o.daily[0]).toEqual({ day: '2026-03-05', ...zero });
    expect(o.daily[5]).toEqual({ day: '2026-03-10', ...zero, usersCreated: 3 });
    expect(o.daily[6]).toEqual({ day: '2026-03-11', ...zero, usersDeactivated: 1, usersErased: 1, signIns: 1, signInsFailed: 1 });
    expect(o.totals).toEqual({ usersCreated: 3, usersDeactivated: 1, usersErased: 1, signIns: 1, signInsFailed: 1 });
    const perType = Object.fromEntries(o.eventsPerType.map((e: { type: string; count: number }) => [e.type, e.count]));
    expect(perType['user.created']).toBe(3);
    expect(perType['session.created']).toBe(1);
    expect(perType['signin.failed']).toBe(1);
    expect(o.eventsPerType[0].count).toBeGreaterThanOrEqual(o.eventsPerType.at(-1).count);
    expect(o.liveSessions).toBe(1);
    expect(o.webhooks).toBeNull();

    // A day's window leaves out the day before.
    const today = (await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/overview?days=1`, headers: as(admin) })).json();
    expect(today.totals.usersCreated).toBe(0);
    expect(today.totals.signIns).toBe(1);
  });

  it('charts webhook delivery attempts per day when there are any', async () => {
    const tenant = await createTenant(t);
    const endpoint = await api(tenant, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/roster', eventTypes: ['user.created'] });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    // The delivery log as the worker writes it: two attempts that failed and one that went through.
    const attempt = (n: number, errorKind: string | null) => ({
      tenant_id: tenant.id,
      endpoint_id: endpoint.json().id,
      message_id: randomUUID(),
      event_id: randomUUID(),
      attempt: n,
      started_at: clock.now(),
      status_code: errorKind ? 503 : 200,
      duration_ms: 12,
      error_kind: errorKind,
      response_excerpt: null,
      next_attempt_at: null,
    });
    await t.registry.db
      .insertInto('webhook_attempts')
      .values([attempt(1, 'http_status'), attempt(2, 'http_status'), attempt(3, null)])
      .execute();
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const o = (await t.call({ method: 'GET', url: `/console/api/tenants/${tenant.id}/overview`, headers: as(admin) })).json();
    expect(o.days).toBe(30);
    expect(o.webhooks.succeeded).toBe(1);
    expect(o.webhooks.failed).toBe(2);
    expect(o.webhooks.daily.at(-1)).toEqual({ day: clock.now().toISOString().slice(0, 10), succeeded: 1, failed: 2 });
    expect(o.webhooks.daily).toHaveLength(30);
  });

  it('answers 400 naming `days` outside 1–90, and 404 to a tenant operator for another tenant', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    for (const days of ['0', '91', 'many']) {
      const res = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/overview?days=${days}`, headers: as(admin) });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['days']);
    }
    const created = await t.call({
      method: 'POST',
      url: '/console/api/operators',
      headers: as(admin),
      payload: {
        email: `overview-${process.pid}-${Date.now()}@example.com`,
        name: 'Op',
        password: PASSWORD,
        role: 'tenant',
        tenants: [tenantA.id],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const op = await signIn({ email: created.json().email, password: PASSWORD });
    const mine = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/overview`, headers: as(op) });
    expect(mine.statusCode, mine.body).toBe(200);
    const theirs = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantB.id}/overview`, headers: as(op) });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().code).toBe('TENANT_NOT_FOUND');
    expect(theirs.body).not.toContain('usersCreated');
  });
});
