import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { answerProblems } from '../helpers/fuzz-envelopes.ts';
import { deepJson } from '../helpers/fuzz-values.ts';
import { expectProblem } from '../helpers/problem.ts';
import { createUser } from '../helpers/users.ts';

/** The requests the schema-driven fuzz (fuzz.test.ts) found answering 5xx or outside their API's envelope, kept as cases. */

let t: TestApp;
let tenant: TestTenant;
let userId: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  userId = (await createUser(t, tenant, { email: 'finding@example.com', externalId: 'finding' })).id;
}, 180_000);
afterAll(() => t.close());

describe('fuzz findings', () => {
  it('a deeply nested body on a route without a body schema is a 422 naming where, with or without Idempotency-Key', async () => {
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }]) {
      const res = await t.call({
        method: 'POST',
        url: `/v1/users/${userId}/deactivate`,
        headers: { ...tenant.auth, ...headers, 'content-type': 'application/json' },
        payload: `{"x":${deepJson(20_000, 'array')}}`,
      });
      const problem = expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problem.errors[0]).toMatchObject({ code: 'too_deep' });
      expect(problem.errors[0].field).toMatch(/^x/);
    }
    // A shallow body is still ignored, as before.
    const res = await t.call({ method: 'POST', url: `/v1/users/${userId}/deactivate`, headers: tenant.auth, payload: { x: [[1]] } });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('Publica.la: a query parameter named `constructor` with a NUL is its own field in a 422, not a 500', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await t.call({ method, url: '/integration-api/v1/dashboard/users?constructor=a%00b', headers: tenant.auth });
      expect(res.statusCode, res.body).toBe(422);
      if (method === 'GET') expect(Object.keys(res.json().errors)).toEqual(['constructor']);
    }
  });

  it('User.com: a field named like an Object.prototype member keeps its name', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/public/users/update_or_create/',
      headers: { authorization: `Token ${tenant.key}` },
      payload: { user_id: 'finding', constructor: 'x' },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(Object.keys(res.json())).toEqual(['constructor']);
  });

  it('User.com: an invalid attribute name holding a line break is named in the answer, not dropped', async () => {
    const created = await t.call({
      method: 'POST',
      url: '/api/public/users/update_or_create/',
      headers: { authorization: `Token ${tenant.key}` },
      payload: { user_id: 'finding' },
    });
    const res = await t.call({
      method: 'POST',
      url: `/api/public/users/${created.json().id}/set_multiple_attributes/`,
      headers: { authorization: `Token ${tenant.key}`, 'content-type': 'application/json' },
      payload: '{"\\t\\n":null}',
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(Object.keys(res.json())).toEqual(['\t\n']);
  });

  it('a malformed percent-encoding under a dialect prefix answers in that dialect’s envelope', async () => {
    const cases = [
      { url: '/v4/%/x', api: 'naviga' },
      { url: '/integration-api/v1/%', api: 'publicala' },
      { url: '/api/v1/external/users/%zz', api: 'tagmango' },
      { url: '/api/public/users-by-id/%C0%AF/set_attribute/?a=%', api: 'usercom' },
      { url: '/v1/users/%zz', api: 'native' },
    ] as const;
    for (const { url, api } of cases) {
      const res = await t.call({ method: 'GET', url, headers: tenant.auth });
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(answerProblems(api, 'GET', res), `${url} ${res.body}`).toEqual([]);
    }
  });

  it('OPTIONS /users is a 405 naming POST, in Thanx’s envelope', async () => {
    const res = await t.call({ method: 'OPTIONS', url: '/users/', headers: tenant.auth });
    expect(res.statusCode, res.body).toBe(405);
    expect(res.headers.allow).toContain('POST');
    expect(answerProblems('thanx', 'OPTIONS', res)).toEqual([]);
  });
});
