/**
 * Every dialect request that combines steps is one change: when its last step fails (an unknown plan, a key
 * that may not write companies, or a failure injected into the step through the test registry), nothing of
 * the request remains: no user, no membership, no assignment, no event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { failingAfter, failingEvent } from '../helpers/failing.ts';
import { createBrand, listEvents } from '../helpers/users.ts';

let t: TestApp;
/** Apps on the same database whose registry fails one step. */
let failing: Record<'planAssigned' | 'assignmentWrite' | 'memberAdded' | 'sessionCreated' | 'brandJoined', TestApp>;

beforeAll(async () => {
  t = await createTestApp();
  failing = {
    planAssigned: await createTestApp({ wrap: failingEvent('plan.assigned') }),
    assignmentWrite: await createTestApp({ wrap: failingAfter('userPlans', 'writeAssignment') }),
    memberAdded: await createTestApp({ wrap: failingEvent('company.member_added') }),
    sessionCreated: await createTestApp({ wrap: failingEvent('session.created') }),
    brandJoined: await createTestApp({ wrap: failingEvent('user.brand_joined') }),
  };
}, 300_000);
afterAll(async () => {
  for (const app of Object.values(failing ?? {})) await app.close();
  await t.close();
});

const PUBLICALA = '/integration-api/v1/dashboard/users';
const USERCOM = '/api/public/users/update_or_create/';

async function eventCount(tenant: TestTenant): Promise<number> {
  return (await listEvents(t, tenant)).length;
}

async function userByEmail(tenant: TestTenant, email: string): Promise<number> {
  const res = await t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenant.auth, query: { email } });
  return res.statusCode;
}

async function users(tenant: TestTenant): Promise<unknown[]> {
  const res = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function createPlan(tenant: TestTenant, name: string): Promise<number> {
  const res = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { name } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().number;
}

describe('Publica.la create: user, password, roles and plan are one change', () => {
  it('an unknown plan writes no user and no event', async () => {
    const tenant = await createTenant(t, { rejectCommonPasswords: false });
    const before = await eventCount(tenant);
    const res = await t.call({
      method: 'POST',
      url: PUBLICALA,
      headers: tenant.auth,
      payload: { external_id: 'p-1', email: 'p1@example.com', new_password: 'a long password 1', admin: true, assign_new_plan: 999 },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(Object.keys(res.json().errors)).toEqual(['assign_new_plan']);
    expect(await users(tenant)).toEqual([]);
    expect(await eventCount(tenant)).toBe(before);
  });

  for (const [name, app] of [
    ['the plan.assigned event', 'planAssigned'],
    ['the assignment write', 'assignmentWrite'],
  ] as const) {
    it(`a failure in ${name} (the last step) leaves no user, no credential and no event`, async () => {
      const tenant = await createTenant(t, { rejectCommonPasswords: false });
      const plan = await createPlan(tenant, 'Gold');
      const before = await eventCount(tenant);
      const res = await failing[app].call({
        method: 'POST',
        url: PUBLICALA,
        headers: tenant.auth,
        payload: {
          external_id: 'p-2',
          email: 'p2@example.com',
          new_password: 'a long password 2',
          sessions_limit: 3,
          admin: true,
          assign_new_plan: plan,
          new_plan_custom_valid_to: '2100-01-01',
        },
      });
      expect(res.statusCode).toBe(500);
      expect(await userByEmail(tenant, 'p2@example.com')).toBe(404);
      expect(await users(tenant)).toEqual([]);
      expect(await eventCount(tenant)).toBe(before);
      // The same request on a healthy registry then succeeds: nothing half-written stands in its way.
      const ok = await t.call({
        method: 'POST',
        url: PUBLICALA,
        headers: tenant.auth,
        payload: { external_id: 'p-2', email: 'p2@example.com', new_password: 'a long password 2', assign_new_plan: plan },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await listEvents(t, tenant, { type: 'plan.assigned' })).length).toBe(1);
    });
  }
});

describe('Publica.la update with a plan is one change', () => {
  async function existing(tenant: TestTenant): Promise<{ number: number; id: string; version: number }> {
    const res = await t.call({
      method: 'POST',
      url: PUBLICALA,
      headers: tenant.auth,
      payload: { external_id: 'u-1', email: 'u1@example.com', sessions_limit: 1 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const user = (await t.call({ method: 'GET', url: '/v1/users/by-external-id/u-1', headers: tenant.auth })).json();
    return { number: user.number, id: user.id, version: user.version };
  }

  it('an unknown plan leaves the user as it was', async () => {
    const tenant = await createTenant(t);
    const user = await existing(tenant);
    const before = await eventCount(tenant);
    const res = await t.call({
      method: 'PUT',
      url: `${PUBLICALA}/${user.number}`,
      headers: tenant.auth,
      payload: { external_id: 'u-1', email: 'moved@example.com', admin: true, only_sees_readable: false, assign_new_plan: 999 },
    });
    expect(res.statusCode, res.body).toBe(422);
    const after = (await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ email: 'u1@example.com', roles: [], version: user.version });
    expect(await eventCount(tenant)).toBe(before);
  });

  it('a failure in the assignment leaves email, roles, sessions limit and events as they were', async () => {
    const tenant = await createTenant(t);
    const user = await existing(tenant);
    const plan = await createPlan(tenant, 'Silver');
    const before = await eventCount(tenant);
    const res = await failing.planAssigned.call({
      method: 'PUT',
      url: `${PUBLICALA}/${user.number}`,
      headers: tenant.auth,
      payload: {
        external_id: 'u-1',
        email: 'moved@example.com',
        admin: true,
        only_sees_readable: false,
        sessions_limit: 5,
        assign_new_plan: plan,
      },
    });
    expect(res.statusCode).toBe(500);
    const after = (await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ email: 'u1@example.com', roles: [], sessionsLimit: 1, version: user.version });
    const plans = await t.call({ method: 'GET', url: `/v1/users/${user.id}/plans`, headers: tenant.auth });
    expect(plans.json().data).toEqual([]);
    expect(await eventCount(tenant)).toBe(before);
  });
});

describe('User.com upsert with company_id is one change', () => {
  it('a key that may not write companies writes no user, no company and no event', async () => {
    const tenant = await createTenant(t);
    const key = await createKey(t, tenant.id, { name: 'users only', scopes: ['users:read', 'users:write'] });
    const before = await eventCount(tenant);
    const res = await t.call({
      method: 'POST',
      url: USERCOM,
      headers: { authorization: `Token ${key}` },
      payload: { user_id: 'c-1', email: 'c1@example.com', company_id: 'acme' },
    });
    expect(res.statusCode, res.body).toBe(403);
    expect(await users(tenant)).toEqual([]);
    expect((await t.call({ method: 'GET', url: '/v1/companies/acme', headers: tenant.auth })).statusCode).toBe(404);
    expect(await eventCount(tenant)).toBe(before);
  });

  it('a failure in the membership (the last step) leaves no user, no company and no event', async () => {
    const tenant = await createTenant(t);
    const before = await eventCount(tenant);
    const res = await failing.memberAdded.call({
      method: 'POST',
      url: USERCOM,
      headers: { authorization: `Token ${tenant.key}` },
      payload: { user_id: 'c-2', email: 'c2@example.com', company_id: 'acme-2' },
    });
    expect(res.statusCode).toBe(500);
    expect(await users(tenant)).toEqual([]);
    expect((await t.call({ method: 'GET', url: '/v1/companies/acme-2', headers: tenant.auth })).statusCode).toBe(404);
    expect(await eventCount(tenant)).toBe(before);
  });

  it('on an existing user, a failing membership leaves its profile as it was', async () => {
    const tenant = await createTenant(t);
    const headers = { authorization: `Token ${tenant.key}` };
    expect((await t.call({ method: 'POST', url: USERCOM, headers, payload: { user_id: 'c-3', first_name: 'Ann' } })).statusCode).toBe(200);
    const before = await eventCount(tenant);
    const res = await failing.memberAdded.call({
      method: 'POST',
      url: USERCOM,
      headers,
      payload: { user_id: 'c-3', first_name: 'Bea', company_id: 'acme-3' },
    });
    expect(res.statusCode).toBe(500);
    const user = (await t.call({ method: 'GET', url: '/v1/users/by-external-id/c-3', headers: tenant.auth })).json();
    expect(user.firstName).toBe('Ann');
    expect(await eventCount(tenant)).toBe(before);
  });
});

describe('Thanx sign-up: user, brand join and passwordless tokens are one change', () => {
  it('a failing session leaves no user, no membership and no event', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'deli');
    const key = await createKey(t, tenant.id, { name: 'deli key', brand: 'deli' });
    const before = await eventCount(tenant);
    const res = await failing.sessionCreated.call({
      method: 'POST',
      url: '/users/',
      headers: { authorization: `Bearer ${key}` },
      payload: { user: { email: 'th@example.com', first_name: 'Tia', last_name: 'Hu' } },
    });
    expect(res.statusCode).toBe(500);
    expect(await userByEmail(tenant, 'th@example.com')).toBe(404);
    expect(await eventCount(tenant)).toBe(before);
    // The same sign-up then creates the user and joins the brand: it is new, not a known email.
    const ok = await t.call({
      method: 'POST',
      url: '/users/',
      headers: { authorization: `Bearer ${key}` },
      payload: { user: { email: 'th@example.com', first_name: 'Tia', last_name: 'Hu' } },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const user = (await t.call({ method: 'GET', url: `/v1/users/${ok.json().user.id}`, headers: tenant.auth })).json();
    expect(user.brands.map((b: { slug: string }) => b.slug)).toEqual(['deli']);
  });
});

describe('TagMango create-or-find with a brand key is one change', () => {
  it('a failing brand join leaves no user and no event', async () => {
    const host = `atom-${Date.now().toString(36)}.example.com`;
    const tenant = await createTenant(t, { hosts: [host] });
    await createBrand(t, tenant, 'mango');
    const key = await createKey(t, tenant.id, { name: 'mango key', brand: 'mango' });
    const before = await eventCount(tenant);
    const res = await failing.brandJoined.call({
      method: 'POST',
      url: '/api/v1/external/users',
      headers: { authorization: `Bearer ${key}`, 'x-whitelabel-host': host },
      payload: { email: 'tm@example.com', name: 'Tom' },
    });
    expect(res.statusCode).toBe(500);
    expect(await userByEmail(tenant, 'tm@example.com')).toBe(404);
    expect(await eventCount(tenant)).toBe(before);
  });
});
