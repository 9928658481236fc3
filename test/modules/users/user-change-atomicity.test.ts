/**
 * Native multi-part writes are one change: a failure in their last step leaves nothing of the request, neither
 * the user row nor its credential, unique attribute values, brand membership or events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { failingEvent } from '../../helpers/failing.ts';
import { createBrand, createUser, defineAttribute, listEvents } from '../../helpers/users.ts';

let t: TestApp;
let brandJoinFails: TestApp;
let rolesChangeFails: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  brandJoinFails = await createTestApp({ wrap: failingEvent('user.brand_joined') });
  rolesChangeFails = await createTestApp({ wrap: failingEvent('user.roles_changed') });
}, 300_000);
afterAll(async () => {
  await brandJoinFails?.close();
  await rolesChangeFails?.close();
  await t.close();
});

async function tenantWithMemberId(): Promise<TestTenant> {
  const tenant = await createTenant(t);
  await defineAttribute(t, tenant, { name: 'memberId', type: 'string', unique: true });
  return tenant;
}

function signIn(tenant: TestTenant, email: string, password: string) {
  return t.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email, password } });
}

describe('POST /v1/users with password, unique attribute and a brand key', () => {
  it('a failing brand join (the last step) leaves no user, credential, unique value or event', async () => {
    const tenant = await tenantWithMemberId();
    await createBrand(t, tenant, 'north');
    const key = await createKey(t, tenant.id, { name: 'north', brand: 'north' });
    const before = (await listEvents(t, tenant)).length;
    const body = { email: 'n1@example.com', password: 'correct horse battery', attributes: { memberId: 'M-1' } };
    const res = await brandJoinFails.call({ method: 'POST', url: '/v1/users', headers: { authorization: `Bearer ${key}` }, payload: body });
    expect(res.statusCode).toBe(500);
    const lookup = await t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenant.auth, query: { email: 'n1@example.com' } });
    expect(lookup.statusCode).toBe(404);
    expect((await listEvents(t, tenant)).length).toBe(before);
    // The unique value was not kept: another user may take it, and the first may be created again.
    await createUser(t, tenant, { email: 'n2@example.com', attributes: { memberId: 'M-1' } });
    expect((await signIn(tenant, 'n1@example.com', 'correct horse battery')).statusCode).toBe(401);
  });
});

describe('PATCH /v1/users/{id} with roles, attributes and password', () => {
  it('a failing roles event (the last step) leaves roles, attributes, password, version and events as they were', async () => {
    const tenant = await tenantWithMemberId();
    const user = await createUser(t, tenant, { email: 'p1@example.com', password: 'first long password', attributes: { memberId: 'A' } });
    const before = (await listEvents(t, tenant)).length;
    const res = await rolesChangeFails.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: { ...tenant.auth, 'if-match': `"${user.version}"` },
      payload: { roles: ['admin'], attributes: { memberId: 'B' }, password: 'second long password' },
    });
    expect(res.statusCode).toBe(500);
    const after = (await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ roles: [], attributes: { memberId: 'A' }, version: user.version });
    expect((await signIn(tenant, 'p1@example.com', 'first long password')).statusCode).toBe(201);
    expect((await signIn(tenant, 'p1@example.com', 'second long password')).statusCode).toBe(401);
    // 'B' was never indexed: another user may hold it.
    await createUser(t, tenant, { email: 'p2@example.com', attributes: { memberId: 'B' } });
    // Only the sign-ins above were recorded since.
    const since = (await listEvents(t, tenant)).slice(before).map((e) => e.type);
    expect(since.filter((type) => type.startsWith('user.') && type !== 'user.created')).toEqual([]);
    expect(since).not.toContain('credential.changed');
  });
});
