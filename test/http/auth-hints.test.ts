/**
 * A refused credential says which credential the route takes (and where the one sent belongs), with the codes
 * unchanged: API_KEY_INVALID, ADMIN_TOKEN_INVALID, ACCESS_TOKEN_INVALID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem } from '../helpers/problem.ts';
import { createUser } from '../helpers/users.ts';

const PASSWORD = 'correct horse battery staple 42';
let t: TestApp;
let tenant: TestTenant;
let accessToken: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  await createUser(t, tenant, { email: 'hint@example.com', password: PASSWORD });
  const signIn = await t.call({
    method: 'POST',
    url: '/v1/sessions',
    headers: tenant.auth,
    payload: { email: 'hint@example.com', password: PASSWORD },
  });
  expect(signIn.statusCode, signIn.body).toBe(201);
  accessToken = signIn.json().accessToken;
});
afterAll(() => t.close());

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe('a tenant route (/v1/users)', () => {
  it('given the admin token: API_KEY_INVALID saying the route takes a tenant API key, and where the admin token goes', async () => {
    const problem = expectProblem(await t.call({ method: 'GET', url: '/v1/users', headers: bearer(ADMIN_TOKEN) }), 401, 'API_KEY_INVALID');
    expect(problem.detail).toContain('This route takes a tenant API key');
    expect(problem.detail).toContain('/v1/admin');
  });

  it('given an access token: says access tokens are for /v1/me', async () => {
    const problem = expectProblem(await t.call({ method: 'GET', url: '/v1/users', headers: bearer(accessToken) }), 401, 'API_KEY_INVALID');
    expect(problem.detail).toContain('This route takes a tenant API key');
    expect(problem.detail).toContain('/v1/me');
  });

  it('given an unknown key: says it is unknown or revoked, never echoing it', async () => {
    const unknown = `${tenant.key.slice(0, 63)}${tenant.key.endsWith('A') ? 'B' : 'A'}`;
    const res = await t.call({ method: 'GET', url: '/v1/users', headers: bearer(unknown) });
    const problem = expectProblem(res, 401, 'API_KEY_INVALID');
    expect(problem.detail).toContain('This route takes a tenant API key');
    expect(problem.detail).toContain('unknown or revoked');
    expect(res.body).not.toContain(unknown);
  });

  it('the same wording reaches a dialect that shows messages (Publica.la)', async () => {
    const res = await t.call({ method: 'GET', url: '/integration-api/v1/dashboard/users', headers: bearer(ADMIN_TOKEN) });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain(ADMIN_TOKEN);
  });
});

describe('an admin route (/v1/admin/tenants)', () => {
  it('given a tenant API key: ADMIN_TOKEN_INVALID saying the route takes the admin token', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/admin/tenants', headers: tenant.auth });
    const problem = expectProblem(res, 401, 'ADMIN_TOKEN_INVALID');
    expect(problem.detail).toContain('This route takes the platform admin token');
    expect(problem.detail).toContain('tenant API key is for the tenant routes');
    expect(res.body).not.toContain(tenant.key);
  });

  it('given anything else: says the one sent is not valid', async () => {
    const problem = expectProblem(
      await t.call({ method: 'GET', url: '/v1/admin/tenants', headers: bearer('not-the-admin-token') }),
      401,
      'ADMIN_TOKEN_INVALID',
    );
    expect(problem.detail).toBe(
      'This route takes the platform admin token (Authorization: Bearer <ROSTER_ADMIN_TOKEN>); the one sent is not valid',
    );
  });
});

describe('an access-token route (/v1/me)', () => {
  it('given a tenant API key or the admin token: ACCESS_TOKEN_INVALID saying the route takes an access token', async () => {
    for (const [secret, where] of [
      [tenant.key, 'tenant API key'],
      [ADMIN_TOKEN, '/v1/admin'],
    ] as const) {
      const problem = expectProblem(await t.call({ method: 'GET', url: '/v1/me', headers: bearer(secret) }), 401, 'ACCESS_TOKEN_INVALID');
      expect(problem.detail).toContain('This route takes an access token');
      expect(problem.detail).toContain(where);
    }
  });

  it('still serves a real access token', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/me', headers: bearer(accessToken) });
    expect(res.statusCode, res.body).toBe(200);
  });
});
