/**
 * Race safety of the user writes: many parallel requests for one person must agree on one user.
 * On PostgreSQL the requests really run in parallel (60-connection pool); on PGlite they serialize.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

const N = 50;

let t: TestApp;

beforeAll(async () => {
  // ROSTER_TEST_LOG=1 prints the cause of any 5xx (the answer only carries the request id).
  t = await createTestApp(process.env.ROSTER_TEST_LOG ? { config: { logLevel: 'error' }, logStream: process.stderr } : {});
});
afterAll(() => t.close());

type Res = Awaited<ReturnType<TestApp['call']>>;

function times<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
}

function findOrCreate(tenant: TestTenant, payload: Record<string, unknown>): Promise<Res> {
  return t.call({ method: 'POST', url: '/v1/users/find-or-create', headers: tenant.auth, payload });
}

/** Exact number of users in the tenant matching the filter, by the count the API reports. */
async function countUsers(tenant: TestTenant, filter: Record<string, string>): Promise<number> {
  const res = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { ...filter, count: 'true' } });
  expect(res.statusCode, res.body).toBe(200);
  const page = res.json();
  expect(page.data.length).toBe(page.total);
  return page.total;
}

/** Every event of a type in the tenant's feed. */
async function eventsOf(tenant: TestTenant, type: string): Promise<{ userId: string }[]> {
  const out: { userId: string }[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await t.call({
      method: 'GET',
      url: '/v1/events',
      headers: tenant.auth,
      query: { type, limit: '200', ...(after ? { after } : {}) },
    });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    out.push(...page.data);
    if (!page.nextCursor || page.data.length === 0) return out;
    after = page.nextCursor;
  }
}

/** Every response is 200 or 201 with one user id and exactly one 201; returns that id. */
function expectOneCreated(responses: Res[]): string {
  for (const r of responses) expect([200, 201], r.body).toContain(r.statusCode);
  const ids = new Set(responses.map((r) => r.json().user.id));
  expect(ids.size).toBe(1);
  expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
  expect(responses.filter((r) => r.json().created === true)).toHaveLength(1);
  return [...ids][0] as string;
}

async function expectSingleUserCreatedEvent(tenant: TestTenant, id: string): Promise<void> {
  const created = await eventsOf(tenant, 'user.created');
  expect(created.map((e) => e.userId)).toEqual([id]);
}

describe('concurrency: find-or-create', () => {
  it(`${N} parallel find-or-create with one email make exactly one user`, async () => {
    const tenant = await createTenant(t);
    const responses = await times(N, (i) => findOrCreate(tenant, { email: i % 2 ? 'Race@Example.com' : 'race@example.com' }));
    const id = expectOneCreated(responses);
    expect(await countUsers(tenant, { email: 'race@example.com' })).toBe(1);
    expect(await countUsers(tenant, {})).toBe(1);
    await expectSingleUserCreatedEvent(tenant, id);
  });

  it(`${N} parallel find-or-create with one phone make exactly one user`, async () => {
    const tenant = await createTenant(t, { defaultCountry: 'US' });
    // The same number written in national and international form.
    const responses = await times(N, (i) => findOrCreate(tenant, { phone: i % 2 ? '(415) 555-2671' : '+14155552671' }));
    const id = expectOneCreated(responses);
    expect(responses[0].json().user.phone).toBe('+14155552671');
    expect(await countUsers(tenant, { phone: '+14155552671' })).toBe(1);
    expect(await countUsers(tenant, {})).toBe(1);
    await expectSingleUserCreatedEvent(tenant, id);
  });

  it('half send the email, half the email and a phone: still one user', async () => {
    const tenant = await createTenant(t);
    const responses = await times(N, (i) =>
      findOrCreate(tenant, i % 2 ? { email: 'mixed@example.com' } : { email: 'mixed@example.com', phone: '+14155550199' }),
    );
    const id = expectOneCreated(responses);
    expect(await countUsers(tenant, { email: 'mixed@example.com' })).toBe(1);
    expect(await countUsers(tenant, {})).toBe(1);
    await expectSingleUserCreatedEvent(tenant, id);
  });

  it('several people at once, mixed with upserts: one user each, no deadlock, no 5xx', async () => {
    const tenant = await createTenant(t);
    const people = 6;
    const perPerson = 20;
    const responses = await times(people * perPerson, async (i) => {
      const p = i % people;
      const kind = Math.floor(i / people) % 3;
      const email = `person${p}@example.com`;
      const res =
        kind === 0
          ? await findOrCreate(tenant, { email })
          : kind === 1
            ? await findOrCreate(tenant, { email, phone: `+1415555${String(1000 + p)}` })
            : await t.call({
                method: 'PUT',
                url: `/v1/users/by-external-id/ext-${p}`,
                headers: tenant.auth,
                payload: { name: `Person ${p}` },
              });
      return { p, byExternalId: kind === 2, res };
    });
    for (const { res } of responses) expect([200, 201], res.body).toContain(res.statusCode);
    for (let p = 0; p < people; p++) {
      const mine = responses.filter((r) => r.p === p);
      expectOneCreated(mine.filter((r) => !r.byExternalId).map((r) => r.res));
      expectOneCreated(mine.filter((r) => r.byExternalId).map((r) => r.res));
      expect(await countUsers(tenant, { email: `person${p}@example.com` })).toBe(1);
    }
    // One user per email and one per external id.
    expect(await countUsers(tenant, {})).toBe(people * 2);
    expect(await eventsOf(tenant, 'user.created')).toHaveLength(people * 2);
  });
});

describe('concurrency: brand-bound keys', () => {
  it(`${N} parallel find-or-create through a brand key join the brand once, and every answer shows it`, async () => {
    const tenant = await createTenant(t);
    const brand = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'shop', name: 'Shop' },
    });
    expect(brand.statusCode, brand.body).toBe(201);
    const brandAuth = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'shop', brand: 'shop' })}` };
    // One person who exists already (outside the brand), one who does not exist yet.
    const existing = await findOrCreate(tenant, { email: 'old@example.com' });
    expect(existing.statusCode).toBe(201);
    const responses = await times(N, (i) =>
      t.call({
        method: 'POST',
        url: '/v1/users/find-or-create',
        headers: brandAuth,
        payload: { email: i % 2 ? 'old@example.com' : 'new@example.com' },
      }),
    );
    const old = responses.filter((_, i) => i % 2);
    const fresh = responses.filter((_, i) => i % 2 === 0);
    for (const r of old) expect(r.statusCode, r.body).toBe(200);
    expect(new Set(old.map((r) => r.json().user.id))).toEqual(new Set([existing.json().user.id]));
    const newId = expectOneCreated(fresh);
    for (const r of responses) expect(r.json().user.brands.map((b: { slug: string }) => b.slug)).toEqual(['shop']);
    const joined = await eventsOf(tenant, 'user.brand_joined');
    expect(joined.map((e) => e.userId).sort()).toEqual([existing.json().user.id, newId].sort());
  });

  it(`${N} parallel upserts through a brand key of an existing user join the brand once`, async () => {
    const tenant = await createTenant(t);
    const brand = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'club', name: 'Club' },
    });
    expect(brand.statusCode, brand.body).toBe(201);
    const brandAuth = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'club', brand: 'club' })}` };
    const first = await t.call({ method: 'PUT', url: '/v1/users/by-external-id/m-1', headers: tenant.auth, payload: { name: 'Start' } });
    expect(first.statusCode).toBe(201);
    // Half change the name, half repeat the current one.
    const responses = await times(N, (i) =>
      t.call({ method: 'PUT', url: '/v1/users/by-external-id/m-1', headers: brandAuth, payload: { name: i % 2 ? 'Start' : `Name ${i}` } }),
    );
    for (const r of responses) {
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().user.id).toBe(first.json().user.id);
      expect(r.json().user.brands.map((b: { slug: string }) => b.slug)).toEqual(['club']);
    }
    expect((await eventsOf(tenant, 'user.brand_joined')).map((e) => e.userId)).toEqual([first.json().user.id]);
  });
});

describe('concurrency: upsert by external id', () => {
  it(`${N} parallel PUTs with different names make one user with a consistent version`, async () => {
    const tenant = await createTenant(t);
    const responses = await times(N, (i) =>
      t.call({ method: 'PUT', url: '/v1/users/by-external-id/crm-42', headers: tenant.auth, payload: { name: `Name ${i}` } }),
    );
    const id = expectOneCreated(responses);
    expect(responses.find((r) => r.statusCode === 201)!.json().user.version).toBe(1);
    // Every name differs, so every request after the creating one is a real update with its own version.
    const versions = responses.map((r) => r.json().user.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    for (const r of responses) expect(r.headers.etag).toBe(`"${r.json().user.version}"`);

    const got = await t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tenant.auth });
    expect(got.statusCode).toBe(200);
    const last = responses.find((r) => r.json().user.version === N)!.json().user;
    expect(got.json()).toMatchObject({ id, externalId: 'crm-42', version: N, name: last.name });
    expect(await countUsers(tenant, {})).toBe(1);
    await expectSingleUserCreatedEvent(tenant, id);
    expect(await eventsOf(tenant, 'user.updated')).toHaveLength(N - 1);
  });
});

describe('concurrency: create', () => {
  it(`${N} parallel creates with one email: one 201, the rest 409 naming the holder`, async () => {
    const tenant = await createTenant(t);
    const responses = await times(N, () =>
      t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'one@example.com' } }),
    );
    for (const r of responses) expect([201, 409], r.body).toContain(r.statusCode);
    const created = responses.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(1);
    const id = created[0].json().id;
    for (const r of responses.filter((x) => x.statusCode === 409)) {
      expect(r.json()).toMatchObject({ code: 'USER_EMAIL_TAKEN', field: 'email', existingId: id });
    }
    expect(await countUsers(tenant, {})).toBe(1);
    await expectSingleUserCreatedEvent(tenant, id);
  });

  it('parallel creates of many distinct users all succeed with distinct numbers', async () => {
    const tenant = await createTenant(t);
    const responses = await times(N, (i) =>
      t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `u${i}@example.com`, externalId: `e${i}` } }),
    );
    for (const r of responses) expect(r.statusCode, r.body).toBe(201);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(N);
    expect(new Set(responses.map((r) => r.json().number)).size).toBe(N);
    expect(await countUsers(tenant, {})).toBe(N);
  });
});
