import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem } from '../helpers/problem.ts';

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  other = await createTenant(t);
});
afterAll(() => t.close());

describe('auth: presenting a key', () => {
  it('accepts `Bearer <key>` and `Token <key>`, in any letter case', async () => {
    for (const authorization of [`Bearer ${tenant.key}`, `Token ${tenant.key}`, `bearer ${tenant.key}`, `TOKEN ${tenant.key}`]) {
      const res = await t.call({ method: 'GET', url: '/v1/users', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(200);
      expect(res.json()).toHaveProperty('data');
    }
  });

  it('answers 401 AUTH_REQUIRED with WWW-Authenticate when no key is sent', async () => {
    for (const headers of [{}, { authorization: '' }, { authorization: 'Bearer' }, { authorization: 'Bearer   ' }]) {
      const res = await t.call({ method: 'GET', url: '/v1/users', headers });
      const problem = expectProblem(res, 401, 'AUTH_REQUIRED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(problem.detail).toMatch(/Authorization/);
    }
  });

  it('answers 401 API_KEY_INVALID for a malformed or unknown key', async () => {
    const unknown = `${tenant.key.slice(0, 63)}${tenant.key.endsWith('A') ? 'B' : 'A'}`;
    const samePrefixOtherSecret = `${tenant.key.slice(0, 12)}${'x'.repeat(52)}`;
    for (const authorization of [
      'Bearer short',
      `Bearer ${tenant.key}extra`,
      `Bearer ${tenant.key.slice(0, 63)}!`,
      `Bearer ${unknown}`,
      `Bearer ${samePrefixOtherSecret}`,
      `Bearer ${'A'.repeat(64)}`,
      `Bearer ${tenant.key} ${tenant.key}`,
      `Token ${tenant.key.slice(0, 32)} ${tenant.key.slice(32)}`,
      `Bearer ${ADMIN_TOKEN}`,
    ]) {
      const res = await t.call({ method: 'GET', url: '/v1/users', headers: { authorization } });
      expectProblem(res, 401, 'API_KEY_INVALID');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      // The answer never echoes what was presented.
      expect(res.body).not.toContain(tenant.key.slice(12));
    }
  });

  it('treats an unsupported scheme as no key (401 AUTH_REQUIRED)', async () => {
    for (const authorization of [`Basic ${Buffer.from(`${tenant.key}:`).toString('base64')}`, tenant.key, `Key ${tenant.key}`]) {
      const res = await t.call({ method: 'GET', url: '/v1/users', headers: { authorization } });
      expectProblem(res, 401, 'AUTH_REQUIRED');
    }
  });

  it('checks the key before the body: an unauthenticated write with a bad body is still 401', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/users', payload: { email: 5 } });
    expectProblem(res, 401, 'AUTH_REQUIRED');
  });
});

describe('auth: scopes', () => {
  it('a users:read key can read but not write (403 SCOPE_MISSING)', async () => {
    const readKey = await createKey(t, tenant.id, { name: 'reader', scopes: ['users:read'] });
    const auth = { authorization: `Bearer ${readKey}` };
    const user = (
      await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'scoped@example.com' } })
    ).json();

    expect((await t.call({ method: 'GET', url: '/v1/users', headers: auth })).statusCode).toBe(200);
    const got = await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: auth });
    expect(got.statusCode).toBe(200);
    expect(got.json().id).toBe(user.id);

    const created = await t.call({ method: 'POST', url: '/v1/users', headers: auth, payload: { email: 'nope@example.com' } });
    const problem = expectProblem(created, 403, 'SCOPE_MISSING');
    expect(problem.scope).toBe('users:write');
    expectProblem(
      await t.call({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: auth, payload: { name: 'x' } }),
      403,
      'SCOPE_MISSING',
    );
    expectProblem(
      await t.call({ method: 'POST', url: '/v1/users/find-or-create', headers: auth, payload: { email: 'nope@example.com' } }),
      403,
      'SCOPE_MISSING',
    );
    expectProblem(await t.call({ method: 'GET', url: '/v1/events', headers: auth }), 403, 'SCOPE_MISSING');
    expectProblem(await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: auth }), 403, 'SCOPE_MISSING');

    // Nothing was written by the refused calls.
    const lookup = await t.call({ method: 'GET', url: '/v1/users/lookup?email=nope@example.com', headers: tenant.auth });
    expect(lookup.statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: auth })).json().name).toBeNull();
  });

  it('setting roles needs users:roles, on create and on patch; a full key may', async () => {
    const writer = await createKey(t, tenant.id, { name: 'writer', scopes: ['users:read', 'users:write'] });
    const auth = { authorization: `Bearer ${writer}` };

    const refused = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: auth,
      payload: { email: 'r1@example.com', roles: ['admin'] },
    });
    expect(expectProblem(refused, 403, 'SCOPE_MISSING').scope).toBe('users:roles');
    const lookup = await t.call({ method: 'GET', url: '/v1/users/lookup?email=r1@example.com', headers: tenant.auth });
    expect(lookup.statusCode).toBe(404);

    const refusedFoc = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: auth,
      payload: { email: 'r1@example.com', roles: ['admin'] },
    });
    expectProblem(refusedFoc, 403, 'SCOPE_MISSING');

    const plain = await t.call({ method: 'POST', url: '/v1/users', headers: auth, payload: { email: 'r2@example.com' } });
    expect(plain.statusCode).toBe(201);
    const id = plain.json().id;
    const patch = await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: auth, payload: { roles: ['admin'] } });
    expectProblem(patch, 403, 'SCOPE_MISSING');
    // Other fields may still be patched by this key.
    expect((await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: auth, payload: { name: 'R Two' } })).statusCode).toBe(200);

    const full = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'r3@example.com', roles: ['admin'] },
    });
    expect(full.statusCode, full.body).toBe(201);
    expect(full.json().roles).toEqual(['admin']);
    const fullPatch = await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: tenant.auth, payload: { roles: ['admin'] } });
    expect(fullPatch.statusCode, fullPatch.body).toBe(200);
    expect(fullPatch.json().roles).toEqual(['admin']);

    const rolesOnly = await createKey(t, tenant.id, { name: 'roles', scopes: ['users:write', 'users:roles'] });
    const rolesPatch = await t.call({
      method: 'PATCH',
      url: `/v1/users/${id}`,
      headers: { authorization: `Token ${rolesOnly}` },
      payload: { roles: [] },
    });
    expect(rolesPatch.statusCode, rolesPatch.body).toBe(200);
    expect(rolesPatch.json().roles).toEqual([]);
  });
});

describe('auth: tenant isolation', () => {
  it('another tenant’s user id answers 404 exactly like an unknown id', async () => {
    const user = (await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'mine@example.com' } })).json();
    const unknownId = '01900000-0000-7000-8000-000000000000';

    const strip = (p: Record<string, unknown>) => {
      const { requestId: _r, instance: _i, id: _id, ...rest } = p;
      return rest;
    };
    for (const [method, suffix, payload] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'hijack' }],
      ['POST', '/deactivate', undefined],
      ['DELETE', '', undefined],
    ] as const) {
      const foreign = await t.call({ method, url: `/v1/users/${user.id}${suffix}`, headers: other.auth, payload });
      const unknown = await t.call({ method, url: `/v1/users/${unknownId}${suffix}`, headers: other.auth, payload });
      const a = expectProblem(foreign, 404, 'USER_NOT_FOUND');
      const b = expectProblem(unknown, 404, 'USER_NOT_FOUND');
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      expect(strip(a)).toEqual(strip(b));
      expect(foreign.headers['content-type']).toBe(unknown.headers['content-type']);
    }

    // The user is untouched.
    const mine = await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ name: null, status: 'active', version: 1 });
    // And invisible in the other tenant's list and lookup.
    const list = await t.call({ method: 'GET', url: '/v1/users?email=mine@example.com', headers: other.auth });
    expect(list.json().data).toEqual([]);
  });
});
