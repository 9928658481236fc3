/**
 * One user through every API: created through Thanx, found through TagMango, updated through User.com,
 * deactivated through Publica.la, read through /v1. Each step is an event in the tenant's feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { defineAttribute, listEvents } from '../helpers/users.ts';

let t: TestApp;
let tenant: TestTenant;
const host = `cross-${Date.now().toString(36)}.example.com`;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t, { hosts: [host], defaultCountry: 'US', currency: 'USD' });
});
afterAll(() => t.close());

describe('one user across the dialects', () => {
  it('is the same user, with the same id, in every API, and every step is an event', async () => {
    const email = 'jane.smith@example.com';
    await defineAttribute(t, tenant, { name: 'loyalty_tier', type: 'string' });

    // 1. Thanx creates her and hands back passwordless tokens.
    const thanx = await t.call({
      method: 'POST',
      url: '/users',
      headers: tenant.auth,
      payload: { user: { email, phone: '+14158672345', first_name: 'Jane', last_name: 'Smith', zip_code: '12345' } },
    });
    expect(thanx.statusCode, thanx.body).toBe(201);
    const id: string = thanx.json().user.id;
    const me = await t.call({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${thanx.json().authorization.access_token}` },
    });
    expect(me.json().id).toBe(id);

    // 2. TagMango finds her by email and phone: the same id, not a new user.
    const tagmango = await t.call({
      method: 'POST',
      url: '/api/v1/external/users',
      headers: { ...tenant.auth, 'x-whitelabel-host': host },
      payload: { email, phone: 4158672345, country: 'US' },
    });
    expect(tagmango.statusCode, tagmango.body).toBe(200);
    expect(tagmango.json()).toMatchObject({ _id: id, isNew: false, email, phone: 4158672345, dialCode: '+1', currency: 'USD' });

    // 3. User.com updates her through her per-tenant number.
    const number: number = (await t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tenant.auth })).json().number;
    const usercom = await t.call({
      method: 'POST',
      url: `/api/public/users/${number}/set_attribute/`,
      headers: { authorization: `Token ${tenant.key}` },
      payload: { attribute: 'loyalty_tier', value: 'gold' },
    });
    expect(usercom.statusCode, usercom.body).toBe(200);

    // 4. Publica.la deactivates her, by the same number.
    const publicala = await t.call({ method: 'DELETE', url: `/integration-api/v1/dashboard/users/${number}`, headers: tenant.auth });
    expect(publicala.statusCode, publicala.body).toBe(200);
    expect(publicala.json()).toEqual({ CODE: 'success', data: [] });

    // 5. /v1 sees every change on one user, and her Thanx tokens died with the deactivation.
    const native = (await t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tenant.auth })).json();
    expect(native).toMatchObject({
      id,
      email,
      firstName: 'Jane',
      lastName: 'Smith',
      status: 'deactivated',
      attributes: { loyalty_tier: 'gold' },
    });
    expect(
      (await t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${thanx.json().authorization.access_token}` } }))
        .statusCode,
    ).toBe(401);
    const users = (await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { count: 'true' } })).json();
    expect(users.total).toBe(1);

    const events = await listEvents(t, tenant, { userId: id });
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['user.created', 'session.created', 'attribute.set', 'user.deactivated', 'user.logged_out']),
    );
    expect(types.indexOf('user.created')).toBeLessThan(types.indexOf('attribute.set'));
    expect(types.indexOf('attribute.set')).toBeLessThan(types.indexOf('user.deactivated'));
    // Each dialect call was made with this tenant's key, and the feed says so.
    const keyId = (await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() })).json().data[0].id;
    for (const event of events) expect(event.actor).toBe(keyId);
  });
});
