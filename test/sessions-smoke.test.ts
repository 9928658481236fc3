import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from './helpers/app.ts';

let t: TestApp;
let tenant: TestTenant;
beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

describe('smoke', () => {
  it('signs in, refreshes, me', async () => {
    const created = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'a@example.com', password: 'correct horse battery' } });
    expect(created.statusCode, created.body).toBe(201);
    const signin = await t.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email: 'a@example.com', password: 'correct horse battery' } });
    expect(signin.statusCode, signin.body).toBe(201);
    const tokens = signin.json();
    const me = await t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.statusCode, me.body).toBe(200);
    const refreshed = await t.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tenant.auth, payload: { refreshToken: tokens.refreshToken } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const reuse = await t.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tenant.auth, payload: { refreshToken: tokens.refreshToken } });
    expect(reuse.statusCode, reuse.body).toBe(401);
    const me2 = await t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${refreshed.json().accessToken}` } });
    expect(me2.statusCode, me2.body).toBe(401);
    const jwks = await t.call({ method: 'GET', url: '/.well-known/jwks.json' });
    console.log(jwks.body);
  });
});
