import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem, problemFields } from '../../helpers/problem.ts';
import { createUser, listEvents } from '../../helpers/users.ts';

const clock = fixedClock(new Date('2026-03-10T12:00:00.000Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

async function createPlan(tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`plan create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

function assign(tenant: TestTenant, userId: string, payload: Record<string, unknown>) {
  return t.call({ method: 'POST', url: `/v1/users/${userId}/plans`, headers: tenant.auth, payload });
}

async function plansOf(tenant: TestTenant, userId: string, query: Record<string, string> = {}): Promise<any[]> {
  const res = await t.call({ method: 'GET', url: `/v1/users/${userId}/plans`, headers: tenant.auth, query });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

describe('the plan catalogue', () => {
  it('creates plans numbered per tenant; reads by id, external id and number; patches; lists', async () => {
    const tenant = await createTenant(t);
    const res = await t.call({
      method: 'POST',
      url: '/v1/plans',
      headers: tenant.auth,
      payload: { externalId: 'gold', name: 'Gold', defaultDuration: 'p1m' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const gold = res.json();
    expect(gold).toMatchObject({ number: 1, externalId: 'gold', name: 'Gold', defaultDuration: 'P1M', version: 1 });
    expect(res.headers.location).toBe(`/v1/plans/${gold.id}`);
    const silver = await createPlan(tenant, { name: 'Silver' });
    expect(silver).toMatchObject({ number: 2, externalId: null, defaultDuration: null });

    for (const ref of [gold.id, 'gold', '1']) {
      const got = await t.call({ method: 'GET', url: `/v1/plans/${ref}`, headers: tenant.auth });
      expect(got.statusCode, ref).toBe(200);
      expect(got.json().id).toBe(gold.id);
    }
    expect(expectProblem(await t.call({ method: 'GET', url: '/v1/plans/3', headers: tenant.auth }), 404, 'PLAN_NOT_FOUND').plan).toBe('3');

    const taken = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { externalId: 'gold', name: 'Again' } });
    expect(expectProblem(taken, 409, 'PLAN_EXTERNAL_ID_TAKEN')).toMatchObject({ field: 'externalId', existingId: gold.id });
    // A failed create gives its number back: the next plan is still 3.
    expect((await createPlan(tenant, { name: 'Bronze' })).number).toBe(3);

    const patched = await t.call({
      method: 'PATCH',
      url: '/v1/plans/2',
      headers: { ...tenant.auth, 'if-match': '"1"' },
      payload: { name: 'Silver+', externalId: 'silver', defaultDuration: 'P1Y' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ number: 2, name: 'Silver+', externalId: 'silver', defaultDuration: 'P1Y', version: 2 });
    expectProblem(
      await t.call({ method: 'PATCH', url: '/v1/plans/silver', headers: { ...tenant.auth, 'if-match': '"1"' }, payload: { name: 'x' } }),
      412,
      'PRECONDITION_FAILED',
    );
    const updated = await listEvents(t, tenant, { type: 'plan.updated' });
    expect(updated.map((e) => e.changes)).toEqual([
      {
        name: { before: 'Silver', after: 'Silver+' },
        externalId: { before: null, after: 'silver' },
        defaultDuration: { before: null, after: 'P1Y' },
      },
    ]);
    expect((await listEvents(t, tenant, { type: 'plan.created' })).map((e) => e.data.number)).toEqual([1, 2, 3]);

    const page1 = await t.call({ method: 'GET', url: '/v1/plans', headers: tenant.auth, query: { limit: '2' } });
    expect(page1.json().data.map((p: any) => p.number)).toEqual([1, 2]);
    const page2 = await t.call({
      method: 'GET',
      url: '/v1/plans',
      headers: tenant.auth,
      query: { limit: '2', cursor: page1.json().nextCursor },
    });
    expect(page2.json()).toMatchObject({ data: [{ number: 3 }], nextCursor: null });
    const q = await t.call({ method: 'GET', url: '/v1/plans', headers: tenant.auth, query: { q: 'SILV' } });
    expect(q.json().data.map((p: any) => p.number)).toEqual([2]);

    // Another tenant numbers its own plans from 1.
    expect((await createPlan(await createTenant(t), { name: 'Elsewhere' })).number).toBe(1);
  });

  it('parallel creates get distinct, gapless numbers', async () => {
    const tenant = await createTenant(t);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { name: `P${i}` } })),
    );
    for (const r of responses) expect(r.statusCode, r.body).toBe(201);
    expect(responses.map((r) => r.json().number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('bad input is a 422 naming the field', async () => {
    const tenant = await createTenant(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'A', defaultDuration: '1 month' }, 'defaultDuration'],
      [{ name: 'A', defaultDuration: 'PT1H' }, 'defaultDuration'],
      [{ name: ' ' }, 'name'],
      [{ name: 'A', externalId: '' }, 'externalId'],
      [{ name: 'A', number: 7 }, 'number'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload });
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problemFields(res), JSON.stringify(payload)).toContain(field);
    }
  });
});

describe('plan assignments', () => {
  it('assigns with the plan’s default duration, computes active from the clock, ends now and keeps history', async () => {
    clock.set(new Date('2026-01-31T09:30:00.000Z'));
    const tenant = await createTenant(t);
    const monthly = await createPlan(tenant, { externalId: 'monthly', name: 'Monthly', defaultDuration: 'P1M' });
    const user = await createUser(t, tenant, { email: 'reader@example.com' });

    const res = await assign(tenant, user.id, { plan: 'monthly' });
    expect(res.statusCode, res.body).toBe(201);
    const first = res.json();
    // Jan 31 + one month is the last day of February.
    expect(first).toMatchObject({
      userId: user.id,
      plan: { id: monthly.id, number: 1 },
      validFrom: '2026-01-31T09:30:00.000Z',
      validTo: '2026-02-28T09:30:00.000Z',
      endedAt: null,
      active: true,
    });
    expect((await listEvents(t, tenant, { type: 'plan.assigned' }))[0]).toMatchObject({
      userId: user.id,
      data: { assignmentId: first.id, planId: monthly.id, planNumber: 1, validTo: '2026-02-28T09:30:00.000Z' },
    });

    clock.set(new Date('2026-02-28T09:30:00.000Z'));
    expect((await plansOf(tenant, user.id))[0].active).toBe(false);

    // By number (a JSON number), with a date-only end: the end of that day, UTC.
    const second = await assign(tenant, user.id, { plan: 1, validTo: '2026-03-31' });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ validFrom: '2026-02-28T09:30:00.000Z', validTo: '2026-04-01T00:00:00.000Z', active: true });
    // validTo null: open-ended even though the plan has a default duration; a future start is not active yet.
    const later = await assign(tenant, user.id, { plan: monthly.id, validFrom: '2027-01-01', validTo: null });
    expect(later.json()).toMatchObject({ validFrom: '2027-01-01T00:00:00.000Z', validTo: null, active: false });

    expect((await plansOf(tenant, user.id)).map((a) => [a.id, a.active])).toEqual([
      [first.id, false],
      [second.json().id, true],
      [later.json().id, false],
    ]);
    expect((await plansOf(tenant, user.id, { active: 'true' })).map((a) => a.id)).toEqual([second.json().id]);

    clock.advance(60_000);
    const ended = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}/plans/${second.json().id}`, headers: tenant.auth });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({ active: false, endedAt: '2026-02-28T09:31:00.000Z', validTo: '2026-04-01T00:00:00.000Z' });
    const again = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}/plans/${second.json().id}`, headers: tenant.auth });
    expect(again.statusCode).toBe(200);
    expect(again.json().endedAt).toBe('2026-02-28T09:31:00.000Z');
    // An assignment that ran out by itself is not ended again.
    expect(
      (await t.call({ method: 'DELETE', url: `/v1/users/${user.id}/plans/${first.id}`, headers: tenant.auth })).json().endedAt,
    ).toBeNull();
    expect(await listEvents(t, tenant, { type: 'plan.ended' })).toHaveLength(1);
    // History is kept: nothing disappeared.
    expect(await plansOf(tenant, user.id)).toHaveLength(3);
  });

  it('unknown plan, user or assignment is a 404 naming it; bad dates are a 422 naming the field', async () => {
    clock.set(new Date('2026-05-01T00:00:00.000Z'));
    const tenant = await createTenant(t);
    await createPlan(tenant, { externalId: 'basic', name: 'Basic' });
    const user = await createUser(t, tenant, { email: 'dates@example.com' });

    for (const plan of ['nope', 42, '01900000-0000-7000-8000-000000000000']) {
      const res = await assign(tenant, user.id, { plan });
      expect(expectProblem(res, 404, 'PLAN_NOT_FOUND').plan).toBe(plan);
      expect(problemFields(res)).toEqual(['plan']);
    }
    for (const id of ['01900000-0000-7000-8000-000000000000', 'nope']) {
      expectProblem(await assign(tenant, id, { plan: 'basic' }), 404, 'USER_NOT_FOUND');
      expectProblem(await t.call({ method: 'GET', url: `/v1/users/${id}/plans`, headers: tenant.auth }), 404, 'USER_NOT_FOUND');
    }
    for (const assignmentId of ['01900000-0000-7000-8000-000000000000', 'nope']) {
      const res = await t.call({ method: 'DELETE', url: `/v1/users/${user.id}/plans/${assignmentId}`, headers: tenant.auth });
      expectProblem(res, 404, 'PLAN_ASSIGNMENT_NOT_FOUND');
    }

    const cases: [Record<string, unknown>, string][] = [
      [{ plan: 'basic', validFrom: '2026-06-01', validTo: '2026-05-15' }, 'validTo'],
      [{ plan: 'basic', validFrom: '2026-06-01T00:00:00Z', validTo: '2026-06-01T00:00:00Z' }, 'validTo'],
      [{ plan: 'basic', validTo: '2026-04-30' }, 'validTo'],
      [{ plan: 'basic', validFrom: 'tomorrow' }, 'validFrom'],
      [{ plan: 'basic', validFrom: '2026-02-30' }, 'validFrom'],
      [{ plan: 'basic', validTo: '31/12/2026' }, 'validTo'],
      [{ plan: 'basic', validTo: '2026-12-31T25:00:00Z' }, 'validTo'],
      [{ plan: 'basic', validTo: 20261231 }, 'validTo'],
      [{ plan: 'basic', validFrom: null }, 'validFrom'],
      [{ plan: 'basic', validTo: '9999-12-31' }, 'validTo'],
      [{ plan: 'basic', validFrom: '1899-12-31' }, 'validFrom'],
      [{ plan: '' }, 'plan'],
      [{ validTo: '2026-12-31' }, 'plan'],
    ];
    for (const [payload, field] of cases) {
      const res = await assign(tenant, user.id, payload);
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problemFields(res), JSON.stringify(payload)).toContain(field);
    }
    // A default duration cannot carry a period past the last representable day.
    await createPlan(tenant, { externalId: 'monthly-late', name: 'Monthly', defaultDuration: 'P1M' });
    const late = await assign(tenant, user.id, { plan: 'monthly-late', validFrom: '9999-12-31' });
    expectProblem(late, 422, 'VALIDATION_FAILED');
    expect(problemFields(late)).toContain('validFrom');
    // A validTo already past is fine when validFrom is earlier still: a past period is recorded as history.
    const past = await assign(tenant, user.id, { plan: 'basic', validFrom: '2025-01-01', validTo: '2025-12-31' });
    expect(past.statusCode, past.body).toBe(201);
    expect(past.json().active).toBe(false);
  });

  it('erasing the user keeps an anonymous assignment history and hides it', async () => {
    const tenant = await createTenant(t);
    await createPlan(tenant, { externalId: 'p', name: 'P' });
    const user = await createUser(t, tenant, { email: 'erase-plans@example.com' });
    expect((await assign(tenant, user.id, { plan: 'p' })).statusCode).toBe(201);
    expect((await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: tenant.auth })).statusCode).toBe(204);
    expectProblem(await t.call({ method: 'GET', url: `/v1/users/${user.id}/plans`, headers: tenant.auth }), 404, 'USER_NOT_FOUND');
    expectProblem(await assign(tenant, user.id, { plan: 'p' }), 404, 'USER_NOT_FOUND');
    const rows = await t.registry.db.selectFrom('user_plans').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
  });
});

describe('scopes and tenant isolation', () => {
  it('the catalogue and assignments need plans:read / plans:write', async () => {
    const tenant = await createTenant(t);
    await createPlan(tenant, { externalId: 'x', name: 'X' });
    const user = await createUser(t, tenant, { email: 'plan-scope@example.com' });
    const readOnly = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'ro', scopes: ['plans:read', 'users:write'] })}` };
    expect((await t.call({ method: 'GET', url: '/v1/plans/x', headers: readOnly })).statusCode).toBe(200);
    const refused = await t.call({ method: 'POST', url: `/v1/users/${user.id}/plans`, headers: readOnly, payload: { plan: 'x' } });
    expect(expectProblem(refused, 403, 'SCOPE_MISSING').scope).toBe('plans:write');
    expect(
      expectProblem(await t.call({ method: 'POST', url: '/v1/plans', headers: readOnly, payload: { name: 'Y' } }), 403, 'SCOPE_MISSING')
        .scope,
    ).toBe('plans:write');
  });

  it('another tenant sees none of the plans or assignments', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const plan = await createPlan(tenant, { externalId: 'own', name: 'Own' });
    const user = await createUser(t, tenant, { email: 'plan-iso@example.com' });
    const assignment = (await assign(tenant, user.id, { plan: 'own' })).json();

    for (const ref of [plan.id, 'own', '1']) {
      expectProblem(await t.call({ method: 'GET', url: `/v1/plans/${ref}`, headers: other.auth }), 404, 'PLAN_NOT_FOUND');
      expectProblem(
        await t.call({ method: 'PATCH', url: `/v1/plans/${ref}`, headers: other.auth, payload: { name: 'x' } }),
        404,
        'PLAN_NOT_FOUND',
      );
    }
    expect((await t.call({ method: 'GET', url: '/v1/plans', headers: other.auth })).json().data).toEqual([]);
    const theirUser = await createUser(t, other, { email: 'their-plan@example.com' });
    expectProblem(await assign(other, theirUser.id, { plan: plan.id }), 404, 'PLAN_NOT_FOUND');
    expectProblem(await assign(other, user.id, { plan: 'own' }), 404, 'USER_NOT_FOUND');
    expectProblem(await t.call({ method: 'GET', url: `/v1/users/${user.id}/plans`, headers: other.auth }), 404, 'USER_NOT_FOUND');
    expectProblem(
      await t.call({ method: 'DELETE', url: `/v1/users/${user.id}/plans/${assignment.id}`, headers: other.auth }),
      404,
      'USER_NOT_FOUND',
    );
    expect(await listEvents(t, other, { type: 'plan.assigned' })).toEqual([]);
  });
});
