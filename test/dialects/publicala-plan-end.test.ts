/**
 * Publica.la shows a plan's end as the day its client set (`new_plan_custom_valid_to: "2030-12-31"` reads back
 * ending on 2030-12-31), while the native API keeps the exclusive instant (2031-01-01T00:00Z).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPublicalaPlanEnd } from '../../src/dialects/publicala/publicala.mapping.ts';
import { createTenant, createTestApp, type TestApp } from '../helpers/app.ts';

const USERS = '/integration-api/v1/dashboard/users';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('toPublicalaPlanEnd', () => {
  it('shows an exclusive midnight as the last second of the day before', () => {
    expect(toPublicalaPlanEnd('2031-01-01T00:00:00.000Z')).toBe('2030-12-31T23:59:59.000000Z');
    expect(toPublicalaPlanEnd('2024-03-01T00:00:00.000Z')).toBe('2024-02-29T23:59:59.000000Z');
  });

  it('shows any other exclusive end as the last whole second inside it, and null as null', () => {
    expect(toPublicalaPlanEnd('2030-06-15T12:30:00.250Z')).toBe('2030-06-15T12:30:00.000000Z');
    expect(toPublicalaPlanEnd('2030-06-15T12:30:00.000Z')).toBe('2030-06-15T12:29:59.000000Z');
    expect(toPublicalaPlanEnd(null)).toBeNull();
  });
});

describe('new_plan_custom_valid_to read back', () => {
  it('lists the plan as ending on the day the client set; /v1 keeps the exclusive instant', async () => {
    const tenant = await createTenant(t, { rejectCommonPasswords: false });
    const plan = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { name: 'Yearly' } });
    expect(plan.statusCode, plan.body).toBe(201);
    const created = await t.call({
      method: 'POST',
      url: USERS,
      headers: tenant.auth,
      payload: {
        external_id: 'reader-1',
        email: 'reader-1@example.com',
        assign_new_plan: plan.json().number,
        new_plan_custom_valid_to: '2030-12-31',
        only_sees_readable: true,
      },
    });
    expect(created.statusCode, created.body).toBe(200);
    const { id, uuid } = created.json().data;

    const listed = await t.call({ method: 'GET', url: `${USERS}/${id}`, headers: tenant.auth });
    expect(listed.statusCode, listed.body).toBe(200);
    const [assignment] = listed.json().data.user_plans;
    expect(assignment.valid_to).toBe('2030-12-31T23:59:59.000000Z');
    expect(assignment.valid_to.slice(0, 10)).toBe('2030-12-31');

    const native = await t.call({ method: 'GET', url: `/v1/users/${uuid}/plans`, headers: tenant.auth });
    expect(native.json().data[0].validTo).toBe('2031-01-01T00:00:00.000Z');
  });
});
