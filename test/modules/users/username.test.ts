/** Usernames: trimmed, unique per tenant case-insensitively, found by list and lookup, accepted at sign-in, erased. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

function post(payload: Record<string, unknown>, who: TestTenant = tenant) {
  return t.call({ method: 'POST', url: '/v1/users', headers: who.auth, payload });
}

describe('username', () => {
  it('is trimmed, stored, listed and looked up case-insensitively', async () => {
    const res = await post({ username: '  Alice.Smith  ' });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json().user ?? res.json();
    expect(user.username).toBe('Alice.Smith');
    const list = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { username: 'alice.SMITH', count: 'true' } });
    expect(list.json().total).toBe(1);
    expect(list.json().data[0].id).toBe(user.id);
    const lookup = await t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenant.auth, query: { username: 'ALICE.smith' } });
    expect(lookup.statusCode, lookup.body).toBe(200);
    expect(lookup.json().id).toBe(user.id);
  });

  it('is unique per tenant compared case-insensitively, but not across tenants', async () => {
    expect((await post({ username: 'bob' })).statusCode).toBe(201);
    const taken = await post({ username: 'BOB' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('USER_USERNAME_TAKEN');
    const other = await createTenant(t);
    expect((await post({ username: 'Bob' }, other)).statusCode).toBe(201);
  });

  it('rejects an empty or over-long username', async () => {
    expect((await post({ username: '   ', email: 'x1@example.com' })).json().code).toBe('VALIDATION_FAILED');
    expect((await post({ username: 'a'.repeat(257) })).statusCode).toBe(422);
  });

  it('is patched through the user change and writes it in the event', async () => {
    const created = (await post({ username: 'carol' })).json();
    const id = (created.user ?? created).id;
    const res = await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: tenant.auth, payload: { username: 'carol2' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().username).toBe('carol2');
    const events = await t.call({ method: 'GET', url: '/v1/events', headers: tenant.auth, query: { type: 'user.updated', limit: '200' } });
    const mine = events.json().data.filter((e: { userId: string }) => e.userId === id);
    expect(mine.at(-1).changes.username).toEqual({ before: 'carol', after: 'carol2' });
  });

  it('signs in with {username, password} and is cleared on erasure', async () => {
    const created = (await post({ username: 'Dave', password: 'correct horse battery staple' })).json();
    const id = (created.user ?? created).id;
    const signIn = await t.call({
      method: 'POST',
      url: '/v1/sessions',
      headers: tenant.auth,
      payload: { username: 'dave', password: 'correct horse battery staple' },
    });
    expect(signIn.statusCode, signIn.body).toBe(201);
    const erased = await t.call({ method: 'DELETE', url: `/v1/users/${id}`, headers: tenant.auth });
    expect(erased.statusCode).toBe(204);
    const again = await post({ username: 'dave' });
    expect(again.statusCode, again.body).toBe(201);
  });
});
