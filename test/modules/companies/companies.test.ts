import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem, problemFields } from '../../helpers/problem.ts';
import { createUser, listEvents } from '../../helpers/users.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function createCompany(tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await t.call({ method: 'POST', url: '/v1/companies', headers: tenant.auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`company create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

function join(tenant: TestTenant, userId: string, company: string, payload: Record<string, unknown> = {}) {
  return t.call({ method: 'PUT', url: `/v1/users/${userId}/companies/${encodeURIComponent(company)}`, headers: tenant.auth, payload });
}

function leave(tenant: TestTenant, userId: string, company: string) {
  return t.call({ method: 'DELETE', url: `/v1/users/${userId}/companies/${encodeURIComponent(company)}`, headers: tenant.auth });
}

describe('companies CRUD', () => {
  it('creates, reads by id and external id, patches (merge, If-Match), lists and deletes, with events', async () => {
    const tenant = await createTenant(t);
    const res = await t.call({
      method: 'POST',
      url: '/v1/companies',
      headers: tenant.auth,
      payload: { externalId: ' acme-1 ', name: ' Acme ', domain: 'Acme.COM', attributes: { tier: 'gold', seats: 10 } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const company = res.json();
    expect(company).toMatchObject({
      externalId: 'acme-1',
      name: 'Acme',
      domain: 'acme.com',
      attributes: { tier: 'gold', seats: 10 },
      version: 1,
    });
    expect(res.headers.location).toBe(`/v1/companies/${company.id}`);
    expect(res.headers.etag).toBe('"1"');

    for (const ref of [company.id, 'acme-1']) {
      const got = await t.call({ method: 'GET', url: `/v1/companies/${ref}`, headers: tenant.auth });
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(company);
    }

    const taken = await t.call({
      method: 'POST',
      url: '/v1/companies',
      headers: tenant.auth,
      payload: { externalId: 'acme-1', name: 'Again' },
    });
    expect(expectProblem(taken, 409, 'COMPANY_EXTERNAL_ID_TAKEN')).toMatchObject({ field: 'externalId', existingId: company.id });

    const patched = await t.call({
      method: 'PATCH',
      url: '/v1/companies/acme-1',
      headers: { ...tenant.auth, 'if-match': '"1"' },
      payload: { name: 'Acme Inc', attributes: { seats: null, region: 'EU' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Acme Inc', attributes: { tier: 'gold', region: 'EU' }, version: 2 });
    expect(patched.json().attributes).not.toHaveProperty('seats');
    const stale = await t.call({
      method: 'PATCH',
      url: `/v1/companies/${company.id}`,
      headers: { ...tenant.auth, 'if-match': '"1"' },
      payload: { name: 'X' },
    });
    expect(expectProblem(stale, 412, 'PRECONDITION_FAILED').currentVersion).toBe(2);
    const unchanged = await t.call({
      method: 'PATCH',
      url: `/v1/companies/${company.id}`,
      headers: tenant.auth,
      payload: { name: 'Acme Inc' },
    });
    expect(unchanged.json().version).toBe(2);

    const updates = await listEvents(t, tenant, { type: 'company.updated' });
    expect(updates).toHaveLength(1);
    expect(updates[0].changes).toEqual({
      name: { before: 'Acme', after: 'Acme Inc' },
      'attributes.seats': { before: 10, after: null },
      'attributes.region': { before: null, after: 'EU' },
    });
    expect(updates[0].data).toEqual({ companyId: company.id });

    const deleted = await t.call({ method: 'DELETE', url: '/v1/companies/acme-1', headers: tenant.auth });
    expect(deleted.statusCode).toBe(204);
    expectProblem(await t.call({ method: 'GET', url: `/v1/companies/${company.id}`, headers: tenant.auth }), 404, 'COMPANY_NOT_FOUND');
    expectProblem(await t.call({ method: 'DELETE', url: `/v1/companies/${company.id}`, headers: tenant.auth }), 404, 'COMPANY_NOT_FOUND');
    expect((await listEvents(t, tenant, {})).map((e) => e.type).filter((type) => type.startsWith('company.'))).toEqual([
      'company.created',
      'company.updated',
      'company.deleted',
    ]);
    // The external id is free again.
    expect((await createCompany(tenant, { externalId: 'acme-1', name: 'Acme again' })).id).not.toBe(company.id);
  });

  it('pages through companies with a cursor and filters by q and domain', async () => {
    const tenant = await createTenant(t);
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(await createCompany(tenant, { name: `Company ${i}`, domain: i % 2 ? 'odd.example' : 'even.example' }));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const res = await t.call({
        method: 'GET',
        url: '/v1/companies',
        headers: tenant.auth,
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().data.map((c: any) => c.id));
      cursor = res.json().nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(seen).toEqual(made.map((c) => c.id));
    const odd = await t.call({ method: 'GET', url: '/v1/companies', headers: tenant.auth, query: { domain: 'ODD.example' } });
    expect(odd.json().data.map((c: any) => c.name)).toEqual(['Company 1', 'Company 3']);
    const q = await t.call({ method: 'GET', url: '/v1/companies', headers: tenant.auth, query: { q: 'pany 4' } });
    expect(q.json().data.map((c: any) => c.name)).toEqual(['Company 4']);
    const bad = await t.call({ method: 'GET', url: '/v1/companies', headers: tenant.auth, query: { cursor: 'nope' } });
    expect(problemFields(bad)).toEqual(['cursor']);
    expectProblem(bad, 400, 'INVALID_PARAMETER');
  });

  it('bad input is a 4xx naming the field', async () => {
    const tenant = await createTenant(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'A', domain: 'not a domain' }, 'domain'],
      [{ name: '   ' }, 'name'],
      [{}, 'name'],
      [{ name: 'A', externalId: '  ' }, 'externalId'],
      [{ name: 'A', attributes: { 'bad name': 1 } }, 'attributes.bad name'],
      [{ name: 'A', color: 'red' }, 'color'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.call({ method: 'POST', url: '/v1/companies', headers: tenant.auth, payload });
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problemFields(res), JSON.stringify(payload)).toContain(field);
    }
    expect(await listEvents(t, tenant, { type: 'company.created' })).toEqual([]);
  });
});

describe('memberships', () => {
  it('joins (201, then 200 without an event), updates role and title, lists both ways and leaves', async () => {
    const tenant = await createTenant(t);
    const company = await createCompany(tenant, { externalId: 'c-42', name: 'Globex' });
    const user = await createUser(t, tenant, { email: 'worker@example.com' });

    const first = await join(tenant, user.id, 'c-42', { role: 'employee', title: 'Engineer' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      created: true,
      companyCreated: false,
      membership: { userId: user.id, company: { id: company.id, externalId: 'c-42' }, role: 'employee', title: 'Engineer' },
    });
    // No body at all is an empty one.
    const bare = await t.call({ method: 'PUT', url: `/v1/users/${user.id}/companies/c-42`, headers: tenant.auth });
    expect(bare.statusCode, bare.body).toBe(200);
    const again = await join(tenant, user.id, company.id, { role: 'employee' });
    expect(again.statusCode).toBe(200);
    expect(again.json().membership).toMatchObject({ role: 'employee', title: 'Engineer', joinedAt: first.json().membership.joinedAt });

    const promoted = await join(tenant, user.id, 'c-42', { role: 'owner', title: null });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json().membership).toMatchObject({ role: 'owner', title: null });

    const events = await listEvents(t, tenant, { userId: user.id });
    expect(events.map((e) => e.type)).toEqual(['user.created', 'company.member_added', 'company.member_updated']);
    expect(events[1].data).toEqual({ companyId: company.id, externalId: 'c-42' });
    expect(events[2].changes).toEqual({ role: { before: 'employee', after: 'owner' }, title: { before: 'Engineer', after: null } });

    const mine = await t.call({ method: 'GET', url: `/v1/users/${user.id}/companies`, headers: tenant.auth });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().data).toEqual([promoted.json().membership]);

    const members = await t.call({ method: 'GET', url: '/v1/companies/c-42/members', headers: tenant.auth });
    expect(members.statusCode, members.body).toBe(200);
    expect(members.json().data).toHaveLength(1);
    expect(members.json().data[0]).toMatchObject({ userId: user.id, role: 'owner', user: { id: user.id, email: 'worker@example.com' } });

    expect((await leave(tenant, user.id, 'c-42')).statusCode).toBe(204);
    expect((await leave(tenant, user.id, 'c-42')).statusCode).toBe(204);
    expect(await listEvents(t, tenant, { type: 'company.member_removed' })).toHaveLength(1);
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}/companies`, headers: tenant.auth })).json().data).toEqual([]);
  });

  it('an unknown company is a 404 naming it, unless createCompany asks to create it', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'newco@example.com' });
    const missing = await join(tenant, user.id, 'ext-9');
    expect(expectProblem(missing, 404, 'COMPANY_NOT_FOUND').company).toBe('ext-9');
    expect(expectProblem(await leave(tenant, user.id, 'ext-9'), 404, 'COMPANY_NOT_FOUND').company).toBe('ext-9');

    const created = await join(tenant, user.id, 'ext-9', {
      createCompany: true,
      role: 'employee',
      company: { name: 'Initech', domain: 'initech.example' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      created: true,
      companyCreated: true,
      membership: { company: { externalId: 'ext-9', name: 'Initech', domain: 'initech.example' }, role: 'employee' },
    });
    // Without a name, the company is named after its external id.
    const other = await createUser(t, tenant, { email: 'other@example.com' });
    const plain = await join(tenant, other.id, 'ext-10', { createCompany: true });
    expect(plain.json().membership.company).toMatchObject({ externalId: 'ext-10', name: 'ext-10' });
    expect((await listEvents(t, tenant, { type: 'company.created' })).map((e) => e.data.companyId)).toEqual([
      created.json().membership.company.id,
      plain.json().membership.company.id,
    ]);

    const badCompany = await join(tenant, user.id, 'ext-11', { createCompany: true, company: { domain: 'no way' } });
    expectProblem(badCompany, 422, 'VALIDATION_FAILED');
    expect(problemFields(badCompany)).toContain('domain');
  });

  it('unknown or erased users are 404; erasing a user drops its memberships; deleting a company drops them too', async () => {
    const tenant = await createTenant(t);
    await createCompany(tenant, { externalId: 'keep', name: 'Keep' });
    await createCompany(tenant, { externalId: 'drop', name: 'Drop' });
    for (const id of ['01900000-0000-7000-8000-000000000000', 'not-a-uuid']) {
      expectProblem(await join(tenant, id, 'keep'), 404, 'USER_NOT_FOUND');
      expectProblem(await t.call({ method: 'GET', url: `/v1/users/${id}/companies`, headers: tenant.auth }), 404, 'USER_NOT_FOUND');
    }
    const gone = await createUser(t, tenant, { email: 'gone@example.com' });
    const stays = await createUser(t, tenant, { email: 'stays@example.com' });
    for (const user of [gone, stays]) {
      expect((await join(tenant, user.id, 'keep')).statusCode).toBe(201);
      expect((await join(tenant, user.id, 'drop')).statusCode).toBe(201);
    }
    expect((await t.call({ method: 'DELETE', url: `/v1/users/${gone.id}`, headers: tenant.auth })).statusCode).toBe(204);
    expect(await t.registry.db.selectFrom('company_members').selectAll().where('user_id', '=', gone.id).execute()).toEqual([]);
    expectProblem(await join(tenant, gone.id, 'keep'), 404, 'USER_NOT_FOUND');
    const members = await t.call({ method: 'GET', url: '/v1/companies/keep/members', headers: tenant.auth });
    expect(members.json().data.map((m: any) => m.userId)).toEqual([stays.id]);

    expect((await t.call({ method: 'DELETE', url: '/v1/companies/drop', headers: tenant.auth })).statusCode).toBe(204);
    const deleted = await listEvents(t, tenant, { type: 'company.deleted' });
    expect(deleted[0].data).toMatchObject({ externalId: 'drop', membersRemoved: 1 });
    const mine = await t.call({ method: 'GET', url: `/v1/users/${stays.id}/companies`, headers: tenant.auth });
    expect(mine.json().data.map((m: any) => m.company.externalId)).toEqual(['keep']);
  });

  it('pages through a company’s members', async () => {
    const tenant = await createTenant(t);
    await createCompany(tenant, { externalId: 'big', name: 'Big' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await createUser(t, tenant, { email: `m${i}@example.com` });
      ids.push(user.id);
      expect((await join(tenant, user.id, 'big')).statusCode).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await t.call({
        method: 'GET',
        url: '/v1/companies/big/members',
        headers: tenant.auth,
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().data.map((m: any) => m.userId));
      cursor = res.json().nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
  });
});

describe('scopes and tenant isolation', () => {
  it('reading needs companies:read and writing companies:write', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'scoped@example.com' });
    await createCompany(tenant, { externalId: 'sc', name: 'Scoped' });
    const readOnly = {
      authorization: `Bearer ${await createKey(t, tenant.id, { name: 'ro', scopes: ['companies:read', 'users:write'] })}`,
    };
    expect((await t.call({ method: 'GET', url: '/v1/companies/sc', headers: readOnly })).statusCode).toBe(200);
    const refused = await t.call({ method: 'PUT', url: `/v1/users/${user.id}/companies/sc`, headers: readOnly, payload: {} });
    expect(expectProblem(refused, 403, 'SCOPE_MISSING').scope).toBe('companies:write');
    const noRead = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'users', scopes: ['users:read'] })}` };
    expect(expectProblem(await t.call({ method: 'GET', url: '/v1/companies', headers: noRead }), 403, 'SCOPE_MISSING').scope).toBe(
      'companies:read',
    );
  });

  it('another tenant sees none of the companies or memberships', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const company = await createCompany(tenant, { externalId: 'mine', name: 'Mine' });
    const user = await createUser(t, tenant, { email: 'iso@example.com' });
    expect((await join(tenant, user.id, 'mine')).statusCode).toBe(201);

    for (const ref of [company.id, 'mine']) {
      expectProblem(await t.call({ method: 'GET', url: `/v1/companies/${ref}`, headers: other.auth }), 404, 'COMPANY_NOT_FOUND');
      expectProblem(
        await t.call({ method: 'PATCH', url: `/v1/companies/${ref}`, headers: other.auth, payload: { name: 'x' } }),
        404,
        'COMPANY_NOT_FOUND',
      );
      expectProblem(await t.call({ method: 'DELETE', url: `/v1/companies/${ref}`, headers: other.auth }), 404, 'COMPANY_NOT_FOUND');
      expectProblem(await t.call({ method: 'GET', url: `/v1/companies/${ref}/members`, headers: other.auth }), 404, 'COMPANY_NOT_FOUND');
    }
    expect((await t.call({ method: 'GET', url: '/v1/companies', headers: other.auth })).json().data).toEqual([]);
    expectProblem(await join(other, user.id, 'mine', { createCompany: true }), 404, 'USER_NOT_FOUND');
    expectProblem(await t.call({ method: 'GET', url: `/v1/users/${user.id}/companies`, headers: other.auth }), 404, 'USER_NOT_FOUND');
    // The same external id is free in the other tenant and names another company there.
    const theirs = await createCompany(other, { externalId: 'mine', name: 'Theirs' });
    expect(theirs.id).not.toBe(company.id);
    expect((await t.call({ method: 'GET', url: '/v1/companies/mine/members', headers: other.auth })).json().data).toEqual([]);
    expect(await listEvents(t, other, { type: 'company.member_added' })).toEqual([]);
  });
});

describe('concurrency', () => {
  const N = 30;

  it(`${N} parallel PUTs of one membership make one membership`, async () => {
    const tenant = await createTenant(t);
    const company = await createCompany(tenant, { externalId: 'race', name: 'Race' });
    const user = await createUser(t, tenant, { email: 'racer@example.com' });
    const responses = await Promise.all(Array.from({ length: N }, () => join(tenant, user.id, 'race', { role: 'employee' })));
    for (const r of responses) expect([200, 201], r.body).toContain(r.statusCode);
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(new Set(responses.map((r) => r.json().membership.company.id))).toEqual(new Set([company.id]));
    expect(await t.registry.db.selectFrom('company_members').selectAll().where('tenant_id', '=', tenant.id).execute()).toHaveLength(1);
    expect(await listEvents(t, tenant, { type: 'company.member_added' })).toHaveLength(1);
  });

  it(`${N} parallel PUTs with createCompany for a new company make one company and one membership`, async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'founder@example.com' });
    const responses = await Promise.all(Array.from({ length: N }, () => join(tenant, user.id, 'brand-new', { createCompany: true })));
    for (const r of responses) expect([200, 201], r.body).toContain(r.statusCode);
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.json().companyCreated)).toHaveLength(1);
    const companyIds = new Set(responses.map((r) => r.json().membership.company.id));
    expect(companyIds.size).toBe(1);
    const companies = await t.call({ method: 'GET', url: '/v1/companies', headers: tenant.auth });
    expect(companies.json().data.map((c: any) => c.id)).toEqual([...companyIds]);
    const members = await t.call({ method: 'GET', url: '/v1/companies/brand-new/members', headers: tenant.auth });
    expect(members.json().data.map((m: any) => m.userId)).toEqual([user.id]);
    expect(await listEvents(t, tenant, { type: 'company.created' })).toHaveLength(1);
    expect(await listEvents(t, tenant, { type: 'company.member_added' })).toHaveLength(1);
  });

  it(`${N} parallel PUTs with createCompany for ${N} users make one company with ${N} members`, async () => {
    const tenant = await createTenant(t);
    const users = await Promise.all(Array.from({ length: N }, (_, i) => createUser(t, tenant, { email: `crowd${i}@example.com` })));
    const responses = await Promise.all(users.map((user) => join(tenant, user.id, 'crowd', { createCompany: true })));
    for (const r of responses) expect(r.statusCode, r.body).toBe(201);
    expect(new Set(responses.map((r) => r.json().membership.company.id)).size).toBe(1);
    expect(responses.filter((r) => r.json().companyCreated)).toHaveLength(1);
    const members = await t.call({ method: 'GET', url: '/v1/companies/crowd/members', headers: tenant.auth, query: { limit: '200' } });
    expect(members.json().data).toHaveLength(N);
  });
});
