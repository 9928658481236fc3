import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser, listEvents } from '../../helpers/users.ts';

const clock = fixedClock(new Date('2024-05-01T08:00:00.000Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

function post(tenant: TestTenant, url: string) {
  return t.call({ method: 'POST', url, headers: tenant.auth });
}

function getUser(tenant: TestTenant, id: string) {
  return t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tenant.auth });
}

describe('deactivate and reactivate', () => {
  it('deactivate sets status and deactivatedAt once; a second call changes nothing', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'deact@example.com' });
    expect(user.deactivatedAt).toBeNull();

    clock.advance(60_000);
    const first = await post(tenant, `/v1/users/${user.id}/deactivate`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'deactivated', deactivatedAt: clock.now().toISOString(), version: 2 });
    expect(first.headers.etag).toBe('"2"');

    clock.advance(60_000);
    const second = await post(tenant, `/v1/users/${user.id}/deactivate`);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(second.headers.etag).toBe('"2"');

    const events = await listEvents(t, tenant, { type: 'user.deactivated', userId: user.id });
    expect(events).toHaveLength(1);
    expect(events[0].changes).toEqual({ status: { before: 'active', after: 'deactivated' } });
    // A read adds the effective roles (own ∪ groups'; no groups here), which write answers leave out.
    expect((await getUser(tenant, user.id)).json()).toEqual({ ...first.json(), effectiveRoles: first.json().roles });
  });

  it('reactivate clears deactivatedAt once; reactivating an active user changes nothing', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'react@example.com' });

    const noop = await post(tenant, `/v1/users/${user.id}/reactivate`);
    expect(noop.statusCode).toBe(200);
    expect(noop.json()).toMatchObject({ status: 'active', version: 1 });
    expect(await listEvents(t, tenant, { type: 'user.reactivated', userId: user.id })).toEqual([]);

    await post(tenant, `/v1/users/${user.id}/deactivate`);
    clock.advance(1000);
    const first = await post(tenant, `/v1/users/${user.id}/reactivate`);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'active', deactivatedAt: null, version: 3, updatedAt: clock.now().toISOString() });
    const second = await post(tenant, `/v1/users/${user.id}/reactivate`);
    expect(second.json()).toMatchObject({ status: 'active', deactivatedAt: null, version: 3 });

    const events = await listEvents(t, tenant, { type: 'user.reactivated', userId: user.id });
    expect(events).toHaveLength(1);
    expect(events[0].changes).toEqual({ status: { before: 'deactivated', after: 'active' } });
  });

  it('a deactivated user keeps its identifiers (no one else can take them) and can still be updated', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'kept@example.com' });
    await post(tenant, `/v1/users/${user.id}/deactivate`);
    const dup = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'kept@example.com' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().existingId).toBe(user.id);
    const patched = await t.call({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: tenant.auth, payload: { city: 'Oslo' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ status: 'deactivated', city: 'Oslo' });
  });

  it('404 for unknown ids and for another tenant’s user, which stays as it was', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'iso-life@example.com' });
    for (const action of ['deactivate', 'reactivate']) {
      const missing = await post(tenant, `/v1/users/01900000-0000-7000-8000-000000000000/${action}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('USER_NOT_FOUND');
      expect((await post(tenant, `/v1/users/nope/${action}`)).statusCode).toBe(404);
      expect((await post(other, `/v1/users/${user.id}/${action}`)).statusCode).toBe(404);
    }
    expect((await getUser(tenant, user.id)).json()).toMatchObject({ status: 'active', version: 1 });
    expect(await listEvents(t, other, { userId: user.id })).toEqual([]);
  });
});

describe('DELETE /v1/users/{id} (erase)', () => {
  it('erases: 204, then 404 everywhere; identifiers are free again; events scrubbed and user.erased recorded', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const user = await createUser(t, tenant, {
      email: 'gone@example.com',
      phone: '+14155550199',
      externalId: 'gone-1',
      firstName: 'Gone',
      attributes: { note: 'secret-ish' },
    });
    const bystander = await createUser(t, tenant, { email: 'stays@example.com' });
    await t.call({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: tenant.auth, payload: { city: 'Lima' } });
    await post(tenant, `/v1/users/${user.id}/deactivate`);
    expect((await listEvents(t, tenant, { userId: user.id })).every((e) => e.changes !== null)).toBe(true);

    const del = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: tenant.auth });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');

    expect((await getUser(tenant, user.id)).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: '/v1/users/by-external-id/gone-1', headers: tenant.auth })).statusCode).toBe(404);
    const lookup = await t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenant.auth, query: { email: 'gone@example.com' } });
    expect(lookup.statusCode).toBe(404);
    const patch = await t.call({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: tenant.auth, payload: { city: 'x' } });
    expect(patch.statusCode).toBe(404);
    expect((await post(tenant, `/v1/users/${user.id}/reactivate`)).statusCode).toBe(404);
    const again = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: tenant.auth });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('USER_NOT_FOUND');

    // The tombstone holds no personal data.
    const row = await t.registry.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ email: null, phone: null, external_id: null, first_name: null, attributes: {}, search_text: '' });
    expect(row.erased_at).not.toBeNull();

    const events = await listEvents(t, tenant, { userId: user.id });
    expect(events.map((e) => e.type)).toEqual(['user.created', 'user.updated', 'user.deactivated', 'user.erased']);
    for (const event of events) expect(event.changes).toBeNull();
    expect(JSON.stringify(events)).not.toContain('gone@example.com');
    // Other users' events are untouched.
    const kept = await listEvents(t, tenant, { userId: bystander.id });
    expect(kept[0].changes.email).toEqual({ before: null, after: 'stays@example.com' });

    const reborn = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'gone@example.com', phone: '+14155550199', externalId: 'gone-1' },
    });
    expect(reborn.statusCode, reborn.body).toBe(201);
    expect(reborn.json().id).not.toBe(user.id);
    expect(reborn.json().version).toBe(1);
    const found = await t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenant.auth, query: { email: 'gone@example.com' } });
    expect(found.json().id).toBe(reborn.json().id);
  });

  it('find-or-create after erasure makes a new user instead of finding the tombstone', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'foc-gone@example.com' });
    expect((await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: tenant.auth })).statusCode).toBe(204);
    const res = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: tenant.auth,
      payload: { email: 'foc-gone@example.com' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().created).toBe(true);
    expect(res.json().user.id).not.toBe(user.id);
  });

  it('needs the users:erase scope', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'scoped@example.com' });
    const key = await createKey(t, tenant.id, { name: 'no-erase', scopes: ['users:read', 'users:write'] });
    const res = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'SCOPE_MISSING', scope: 'users:erase' });
    expect((await getUser(tenant, user.id)).statusCode).toBe(200);
  });

  it('another tenant cannot erase the user', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'iso-erase@example.com' });
    const res = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: other.auth });
    expect(res.statusCode).toBe(404);
    expect((await getUser(tenant, user.id)).json()).toEqual({ ...user, effectiveRoles: user.roles });
    expect((await listEvents(t, tenant, { userId: user.id }))[0].changes).not.toBeNull();
    expect(await listEvents(t, other, { type: 'user.erased' })).toEqual([]);
  });
});
