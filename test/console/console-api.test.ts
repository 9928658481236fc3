import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { as, consoleSignIn } from '../helpers/console.ts';

let t: TestApp;
let tenantA: TestTenant;
let tenantB: TestTenant;

beforeAll(async () => {
  t = await createTestApp({ console: true });
  tenantA = await createTenant(t);
  tenantB = await createTenant(t);
});
afterAll(() => t.close());

const signIn = (payload: Record<string, string>) => consoleSignIn(t, payload);
const email = (name: string) => `${name}-${process.pid}-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

describe('console API', () => {
  it('signs in with the admin token: an HttpOnly SameSite=Strict cookie, no-store, CSP and frame headers', async () => {
    const res = await t.call({ method: 'POST', url: '/console/api/session', payload: { adminToken: ADMIN_TOKEN } });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^roster_console=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(String(res.headers['content-security-policy'])).toContain("connect-src 'self'");
    expect(res.json().operator).toBeNull();
  });

  it('refuses a wrong admin token and a request without a session', async () => {
    const wrong = await t.call({ method: 'POST', url: '/console/api/session', payload: { adminToken: 'nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('INVALID_CREDENTIALS');
    const none = await t.call({ method: 'GET', url: '/console/api/tenants' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('CONSOLE_SESSION_INVALID');
  });

  it('refuses a state-changing request without the CSRF token, accepts it with the token', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const url = `/console/api/tenants/${tenantA.id}/users`;
    const refused = await t.call({ method: 'POST', url, headers: as(admin, false), payload: { email: email('csrf') } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await t.call({
      method: 'POST',
      url,
      headers: { ...as(admin, false), 'x-csrf-token': 'x' },
      payload: { email: email('csrf') },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await t.call({ method: 'POST', url, headers: as(admin), payload: { email: email('csrf') } });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('a tenant operator sees its tenant only, and no platform action', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const created = await t.call({
      method: 'POST',
      url: '/console/api/operators',
      headers: as(admin),
      payload: { email: email('op'), name: 'Tenant Op', password: PASSWORD, role: 'tenant', tenants: [tenantA.slug] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const op = await signIn({ email: created.json().email, password: PASSWORD });
    const list = await t.call({ method: 'GET', url: '/console/api/tenants', headers: as(op) });
    expect(list.json().data.map((x: { id: string }) => x.id)).toEqual([tenantA.id]);
    const other = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantB.id}/users`, headers: as(op) });
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('TENANT_NOT_FOUND');
    const mine = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/users`, headers: as(op) });
    expect(mine.statusCode).toBe(200);
    const platform = await t.call({ method: 'POST', url: '/console/api/tenants', headers: as(op), payload: { slug: 'x-op', name: 'x' } });
    expect(platform.statusCode).toBe(403);
    expect(platform.json().code).toBe('OPERATOR_FORBIDDEN');
  });

  it('records console edits with the operator as actor, honours If-Match, and signs out server-side', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const created = await t.call({
      method: 'POST',
      url: '/console/api/operators',
      headers: as(admin),
      payload: { email: email('plat'), name: 'Platform Op', password: PASSWORD, role: 'platform' },
    });
    const operatorId = created.json().id as string;
    const op = await signIn({ email: created.json().email, password: PASSWORD });
    const user = await t.call({ method: 'POST', url: `/v1/users`, headers: tenantA.auth, payload: { email: email('u'), name: 'Ann' } });
    const id = user.json().id as string;
    const url = `/console/api/tenants/${tenantA.id}/users/${id}`;
    const stale = await t.call({
      method: 'PATCH',
      url,
      headers: { ...as(op), 'if-match': '"0"' },
      payload: { name: 'Stale' },
    });
    expect(stale.statusCode).toBe(412);
    const edited = await t.call({
      method: 'PATCH',
      url,
      headers: { ...as(op), 'if-match': `"${user.json().version}"` },
      payload: { name: 'Bea' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.headers.etag).toBe(`"${user.json().version + 1}"`);
    const events = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/events?userId=${id}`, headers: as(op) });
    const updated = events.json().data.find((e: { type: string }) => e.type === 'user.updated');
    expect(updated.actor).toBe(`operator:${operatorId}`);

    const out = await t.call({ method: 'DELETE', url: '/console/api/session', headers: as(op) });
    expect(out.statusCode).toBe(204);
    const after = await t.call({ method: 'GET', url: '/console/api/session', headers: as(op) });
    expect(after.statusCode).toBe(401);
  });

  it('throttles failed operator sign-ins', async () => {
    const target = email('throttled');
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await t.call({ method: 'POST', url: '/console/api/session', payload: { email: target, password: 'wrong password' } });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
    expect(codes).toContain(429);
  });

  it('keeps the console API out of the OpenAPI document', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths);
    expect(paths.some((p) => p.startsWith('/v1/users'))).toBe(true);
    expect(paths.filter((p) => p.startsWith('/console'))).toEqual([]);
  });

  it('answers /console with a plain 503 when the SPA is not built, with the console headers', async () => {
    const res = await t.call({ method: 'GET', url: '/console/users' });
    expect([200, 503]).toContain(res.statusCode);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });
});
