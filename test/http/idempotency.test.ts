import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem, problemFields } from '../helpers/problem.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function post(tenant: TestTenant, url: string, payload: unknown, key?: string) {
  return t.call({
    method: 'POST',
    url,
    headers: { ...tenant.auth, ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    payload: payload as Record<string, unknown>,
  });
}

async function eventsOf(tenant: TestTenant, type: string): Promise<{ userId: string }[]> {
  const res = await t.call({ method: 'GET', url: `/v1/events?type=${type}&limit=200`, headers: tenant.auth });
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

async function usersOf(tenant: TestTenant, email: string): Promise<{ id: string }[]> {
  const res = await t.call({ method: 'GET', url: `/v1/users?email=${encodeURIComponent(email)}`, headers: tenant.auth });
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

describe('Idempotency-Key', () => {
  for (const url of ['/v1/users', '/v1/users/find-or-create']) {
    it(`replays the first answer of ${url} for the same key and body`, async () => {
      const tenant = await createTenant(t);
      const body = { email: 'idem@example.com', name: 'Idem' };
      const first = await post(tenant, url, body, 'key-1');
      expect(first.statusCode, first.body).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();

      const second = await post(tenant, url, body, 'key-1');
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.json()).toEqual(first.json());
      expect(second.headers['content-type']).toBe(first.headers['content-type']);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.headers.location).toBe(first.headers.location);

      // A third try with the same fields in another order is the same request; still one user, one event.
      const third = await post(tenant, url, { name: 'Idem', email: 'idem@example.com' }, 'key-1');
      expect(third.headers['idempotent-replayed']).toBe('true');
      expect(third.json()).toEqual(first.json());
      expect(await usersOf(tenant, body.email)).toHaveLength(1);
      expect(await eventsOf(tenant, 'user.created')).toHaveLength(1);
    });
  }

  it('without the header, a repeated POST /v1/users is a fresh request (409 on the second)', async () => {
    const tenant = await createTenant(t);
    expect((await post(tenant, '/v1/users', { email: 'plain@example.com' })).statusCode).toBe(201);
    const again = await post(tenant, '/v1/users', { email: 'plain@example.com' });
    expectProblem(again, 409, 'USER_EMAIL_TAKEN');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a replay survives a change made since: it answers what the first request answered', async () => {
    const tenant = await createTenant(t);
    const first = await post(tenant, '/v1/users', { email: 'moved@example.com' }, 'k');
    const id = first.json().id;
    const patched = await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: tenant.auth, payload: { name: 'Changed' } });
    expect(patched.json().version).toBe(2);
    const replay = await post(tenant, '/v1/users', { email: 'moved@example.com' }, 'k');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(replay.json().version).toBe(1);
  });

  it('refuses the same key with another body (422 IDEMPOTENCY_KEY_REUSED), on both routes', async () => {
    const tenant = await createTenant(t);
    expect((await post(tenant, '/v1/users', { email: 'a@example.com' }, 'reused')).statusCode).toBe(201);
    const other = await post(tenant, '/v1/users', { email: 'b@example.com' }, 'reused');
    expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await usersOf(tenant, 'b@example.com')).toHaveLength(0);

    // The key belongs to the first request's route and body: another route with the same key is another request.
    const elsewhere = await post(tenant, '/v1/users/find-or-create', { email: 'a@example.com' }, 'reused');
    expectProblem(elsewhere, 422, 'IDEMPOTENCY_KEY_REUSED');

    expect((await post(tenant, '/v1/users/find-or-create', { email: 'c@example.com' }, 'foc')).statusCode).toBe(201);
    expectProblem(await post(tenant, '/v1/users/find-or-create', { email: 'd@example.com' }, 'foc'), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await usersOf(tenant, 'd@example.com')).toHaveLength(0);
  });

  it('keeps keys per tenant: the same key in two tenants is two requests', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    const body = { email: 'shared@example.com' };
    const inA = await post(a, '/v1/users', body, 'same-key');
    const inB = await post(b, '/v1/users', body, 'same-key');
    expect(inA.statusCode).toBe(201);
    expect(inB.statusCode).toBe(201);
    expect(inB.headers['idempotent-replayed']).toBeUndefined();
    expect(inB.json().id).not.toBe(inA.json().id);
    // A different body under the same key in tenant B is judged against B's own first request only.
    expectProblem(await post(b, '/v1/users', { email: 'other@example.com' }, 'same-key'), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await post(a, '/v1/users', body, 'same-key')).json().id).toBe(inA.json().id);
  });

  it('replays a 409 answer too', async () => {
    const tenant = await createTenant(t);
    const holder = (await post(tenant, '/v1/users', { email: 'taken@example.com' })).json();
    const conflict = await post(tenant, '/v1/users', { email: 'taken@example.com' }, 'conflict-key');
    const problem = expectProblem(conflict, 409, 'USER_EMAIL_TAKEN');
    expect(problem.existingId).toBe(holder.id);

    const replay = await post(tenant, '/v1/users', { email: 'taken@example.com' }, 'conflict-key');
    expect(replay.statusCode).toBe(409);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.json()).toEqual(problem);

    // Erasing the holder erases the stored answer that names them: the key then runs the request anew.
    expect((await t.call({ method: 'DELETE', url: `/v1/users/${holder.id}`, headers: tenant.auth })).statusCode).toBe(204);
    const after = await post(tenant, '/v1/users', { email: 'taken@example.com' }, 'conflict-key');
    expect(after.statusCode, after.body).toBe(201);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not store requests refused before they ran (validation, auth); the key stays usable', async () => {
    const tenant = await createTenant(t);
    const invalid = await post(tenant, '/v1/users', { email: 5 }, 'after-422');
    expectProblem(invalid, 422, 'VALIDATION_FAILED');
    const ok = await post(tenant, '/v1/users', { email: 'valid@example.com' }, 'after-422');
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses a malformed key with 400 INVALID_PARAMETER naming the header', async () => {
    const tenant = await createTenant(t);
    for (const key of ['', 'has space', 'é', 'x'.repeat(256)]) {
      const res = await post(tenant, '/v1/users', { email: 'k@example.com' }, key);
      expectProblem(res, 400, 'INVALID_PARAMETER');
      expect(problemFields(res)).toEqual(['idempotency-key']);
    }
    expect(await usersOf(tenant, 'k@example.com')).toHaveLength(0);
    expect((await post(tenant, '/v1/users', { email: 'k@example.com' }, 'x'.repeat(255))).statusCode).toBe(201);
  });

  it('answers parallel requests with one key with one user', async () => {
    const tenant = await createTenant(t);
    const body = { email: 'parallel@example.com' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(tenant, '/v1/users', body, 'parallel')));
    for (const res of answers) {
      // Either the stored answer, or "still in flight" while the first runs.
      if (res.statusCode === 409) expectProblem(res, 409, 'IDEMPOTENCY_KEY_IN_PROGRESS');
      else expect(res.statusCode, res.body).toBe(201);
    }
    const created = answers.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.json().id)).size).toBe(1);
    expect(await usersOf(tenant, body.email)).toHaveLength(1);
    expect(await eventsOf(tenant, 'user.created')).toHaveLength(1);
  });
});
