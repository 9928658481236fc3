import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser } from '../../helpers/users.ts';

const clock = fixedClock(new Date('2026-06-01T00:00:00.000Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

async function ok(res: Awaited<ReturnType<TestApp['call']>>, status = 200): Promise<any> {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

async function listIds(tenant: TestTenant, query: Record<string, string>): Promise<string[]> {
  const page = await ok(await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { ...query, count: 'true' } }));
  expect(page.total).toBe(page.data.length);
  return page.data.map((u: any) => u.id);
}

describe('GET /v1/users filters by company, plan and planActive', () => {
  it('finds members, holders, active and lapsed holders; unknown references match nobody', async () => {
    const tenant = await createTenant(t);
    const users = [];
    // One after the other, so creation order (the list order) is the order here.
    for (const name of ['ana', 'ben', 'cyd', 'dee']) users.push(await createUser(t, tenant, { email: `${name}@example.com` }));
    const [ana, ben, cyd, dee] = users;
    const company = await ok(
      await t.call({ method: 'POST', url: '/v1/companies', headers: tenant.auth, payload: { externalId: 'co', name: 'Co' } }),
      201,
    );
    for (const user of [ana, ben])
      await ok(await t.call({ method: 'PUT', url: `/v1/users/${user.id}/companies/co`, headers: tenant.auth }), 201);
    const gold = await ok(
      await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { externalId: 'gold', name: 'Gold' } }),
      201,
    );
    await ok(await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { externalId: 'free', name: 'Free' } }), 201);
    const assign = (userId: string, payload: Record<string, unknown>) =>
      t.call({ method: 'POST', url: `/v1/users/${userId}/plans`, headers: tenant.auth, payload });
    // ana: gold, active. ben: gold, expired. cyd: free, active. dee: nothing.
    await ok(await assign(ana.id, { plan: 'gold', validTo: '2026-12-31' }), 201);
    await ok(await assign(ben.id, { plan: 'gold', validFrom: '2026-01-01', validTo: '2026-05-31' }), 201);
    await ok(await assign(cyd.id, { plan: 2 }), 201);

    expect(await listIds(tenant, { company: 'co' })).toEqual([ana.id, ben.id]);
    expect(await listIds(tenant, { company: company.id })).toEqual([ana.id, ben.id]);
    expect(await listIds(tenant, { plan: 'gold' })).toEqual([ana.id, ben.id]);
    expect(await listIds(tenant, { plan: '1' })).toEqual([ana.id, ben.id]);
    expect(await listIds(tenant, { plan: gold.id, planActive: 'true' })).toEqual([ana.id]);
    expect(await listIds(tenant, { plan: 'gold', planActive: 'false' })).toEqual([ben.id]);
    expect(await listIds(tenant, { planActive: 'true' })).toEqual([ana.id, cyd.id]);
    expect(await listIds(tenant, { planActive: 'false' })).toEqual([ben.id, dee.id]);
    expect(await listIds(tenant, { company: 'co', planActive: 'true' })).toEqual([ana.id]);
    expect(await listIds(tenant, { company: 'nope' })).toEqual([]);
    expect(await listIds(tenant, { plan: 'nope' })).toEqual([]);

    // The clock decides what is active.
    clock.set(new Date('2027-01-01T00:00:00.000Z'));
    expect(await listIds(tenant, { plan: 'gold', planActive: 'true' })).toEqual([]);
    clock.set(new Date('2026-06-01T00:00:00.000Z'));

    const bad = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { planActive: 'maybe' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: any) => e.field)).toEqual(['planActive']);

    // Another tenant's references match nobody there.
    const other = await createTenant(t);
    await createUser(t, other, { email: 'x@example.com' });
    expect(await listIds(other, { company: company.id })).toEqual([]);
    expect(await listIds(other, { plan: gold.id })).toEqual([]);
    expect(await listIds(other, { planActive: 'true' })).toEqual([]);
  });
});
