import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { encodeCursor } from '../../../src/core/cursor.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createBrand, createUser, defineAttribute, fieldsOf } from '../../helpers/users.ts';

const clock = fixedClock(new Date('2024-03-01T10:00:00.000Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

function list(tenant: TestTenant, query: Record<string, string> = {}) {
  return t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query });
}

async function emails(tenant: TestTenant, query: Record<string, string> = {}): Promise<string[]> {
  const res = await list(tenant, query);
  if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`);
  return res.json().data.map((u: { email: string }) => u.email);
}

/** Creates users one second apart on the test clock. */
async function seed(tenant: TestTenant, bodies: Record<string, unknown>[]): Promise<any[]> {
  const out = [];
  for (const body of bodies) {
    clock.advance(1000);
    out.push(await createUser(t, tenant, body));
  }
  return out;
}

describe('GET /v1/users filters', () => {
  it('lists in creation order, with no total unless asked', async () => {
    const tenant = await createTenant(t);
    await seed(tenant, [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }]);
    const res = await list(tenant);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((u: any) => u.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(res.json().nextCursor).toBeNull();
    expect(res.json()).not.toHaveProperty('total');
    const counted = await list(tenant, { count: 'true' });
    expect(counted.json().total).toBe(3);
  });

  it('status', async () => {
    const tenant = await createTenant(t);
    const [a] = await seed(tenant, [{ email: 'st-a@example.com' }, { email: 'st-b@example.com' }]);
    const d = await t.call({ method: 'POST', url: `/v1/users/${a.id}/deactivate`, headers: tenant.auth });
    expect(d.statusCode).toBe(200);
    expect(await emails(tenant, { status: 'deactivated' })).toEqual(['st-a@example.com']);
    expect(await emails(tenant, { status: 'active' })).toEqual(['st-b@example.com']);
    const bad = await list(tenant, { status: 'sleeping' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INVALID_PARAMETER');
  });

  it('role', async () => {
    const tenant = await createTenant(t);
    await seed(tenant, [
      { email: 'r-admin@example.com', roles: ['admin'] },
      { email: 'r-both@example.com', roles: ['admin', 'readonly'] },
      { email: 'r-none@example.com' },
    ]);
    expect(await emails(tenant, { role: 'admin' })).toEqual(['r-admin@example.com', 'r-both@example.com']);
    expect(await emails(tenant, { role: 'readonly' })).toEqual(['r-both@example.com']);
    expect(await emails(tenant, { role: 'plan_admin' })).toEqual([]);
  });

  it('email and phone are normalized before matching', async () => {
    const tenant = await createTenant(t, { defaultCountry: 'IN' });
    await seed(tenant, [
      { email: 'match@example.com', phone: '+919876511111' },
      { email: 'other@example.com', phone: '+919876522222' },
    ]);
    expect(await emails(tenant, { email: ' MATCH@Example.com ' })).toEqual(['match@example.com']);
    expect(await emails(tenant, { phone: '98765 22222' })).toEqual(['other@example.com']);
    expect(await emails(tenant, { phone: '+919876522222', email: 'match@example.com' })).toEqual([]);
    const bad = await list(tenant, { email: 'not an email' });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toContain('email');
    expect((await list(tenant, { phone: 'abc' })).statusCode).toBe(400);
  });

  it('brand', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'north');
    await createBrand(t, tenant, 'south');
    const [a, b] = await seed(tenant, [{ email: 'br-a@example.com' }, { email: 'br-b@example.com' }, { email: 'br-c@example.com' }]);
    for (const [user, slug] of [
      [a, 'north'],
      [b, 'north'],
      [b, 'south'],
    ] as const) {
      const res = await t.call({ method: 'PUT', url: `/v1/users/${user.id}/brands/${slug}`, headers: tenant.auth });
      expect(res.statusCode).toBe(201);
    }
    expect(await emails(tenant, { brand: 'north' })).toEqual(['br-a@example.com', 'br-b@example.com']);
    expect(await emails(tenant, { brand: 'south' })).toEqual(['br-b@example.com']);
    expect((await list(tenant, { brand: 'south' })).json().data[0].brands.map((x: any) => x.slug)).toEqual(['north', 'south']);
    expect(await emails(tenant, { brand: 'nowhere' })).toEqual([]);
  });

  it('createdAfter and createdBefore are exclusive bounds', async () => {
    const tenant = await createTenant(t);
    const users = await seed(tenant, [{ email: 'ca-1@example.com' }, { email: 'ca-2@example.com' }, { email: 'ca-3@example.com' }]);
    const [u1, u2, u3] = users;
    expect(await emails(tenant, { createdAfter: u1.createdAt })).toEqual(['ca-2@example.com', 'ca-3@example.com']);
    expect(await emails(tenant, { createdBefore: u3.createdAt })).toEqual(['ca-1@example.com', 'ca-2@example.com']);
    expect(await emails(tenant, { createdAfter: u1.createdAt, createdBefore: u3.createdAt })).toEqual(['ca-2@example.com']);
    // Offsets other than Z are the same instant.
    const shifted = new Date(Date.parse(u2.createdAt) - 1).toISOString().replace('Z', '+00:00');
    expect(await emails(tenant, { createdAfter: shifted })).toEqual(['ca-2@example.com', 'ca-3@example.com']);
    const bad = await list(tenant, { createdAfter: 'yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toContain('createdAfter');
  });

  it('q searches names, email and phone, case-insensitively, with LIKE wildcards taken literally', async () => {
    const tenant = await createTenant(t);
    await seed(tenant, [
      { email: 'zed@example.com', firstName: 'Zoë', lastName: 'Quartz' },
      { email: 'amy@shop.test', name: 'Amy Pond', phone: '+14155550177' },
      { email: 'percent_100@example.com', firstName: 'Per' },
    ]);
    expect(await emails(tenant, { q: 'quartz' })).toEqual(['zed@example.com']);
    expect(await emails(tenant, { q: 'AMY P' })).toEqual(['amy@shop.test']);
    expect(await emails(tenant, { q: 'shop.test' })).toEqual(['amy@shop.test']);
    expect(await emails(tenant, { q: '5550177' })).toEqual(['amy@shop.test']);
    expect(await emails(tenant, { q: 'zoë' })).toEqual(['zed@example.com']);
    expect(await emails(tenant, { q: 't_1' })).toEqual(['percent_100@example.com']);
    expect(await emails(tenant, { q: '_' })).toEqual(['percent_100@example.com']);
    expect(await emails(tenant, { q: '%' })).toEqual([]);
    expect(await emails(tenant, { q: 'example' })).toEqual(['zed@example.com', 'percent_100@example.com']);

    // The search text follows updates.
    const [zed] = (await list(tenant, { q: 'quartz' })).json().data;
    await t.call({ method: 'PATCH', url: `/v1/users/${zed.id}`, headers: tenant.auth, payload: { name: 'Zoë Onyx', lastName: 'Onyx' } });
    expect(await emails(tenant, { q: 'quartz' })).toEqual([]);
    expect(await emails(tenant, { q: 'onyx' })).toEqual(['zed@example.com']);
  });

  it('attributes.<name> filters searchable attributes by type; others → 400', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'tier', type: 'string', searchable: true });
    await defineAttribute(t, tenant, { name: 'age', type: 'number', searchable: true });
    await defineAttribute(t, tenant, { name: 'vip', type: 'boolean', searchable: true });
    await defineAttribute(t, tenant, { name: 'notes', type: 'string' });
    await seed(tenant, [
      { email: 'at-1@example.com', attributes: { tier: 'gold', age: 30, vip: true, notes: 'x' } },
      { email: 'at-2@example.com', attributes: { tier: 'silver', age: 30, vip: false } },
      { email: 'at-3@example.com', attributes: { tier: 'gold', age: 41 } },
    ]);
    expect(await emails(tenant, { 'attributes.tier': 'gold' })).toEqual(['at-1@example.com', 'at-3@example.com']);
    expect(await emails(tenant, { 'attributes.age': '30' })).toEqual(['at-1@example.com', 'at-2@example.com']);
    expect(await emails(tenant, { 'attributes.vip': 'false' })).toEqual(['at-2@example.com']);
    expect(await emails(tenant, { 'attributes.tier': 'gold', 'attributes.age': '41' })).toEqual(['at-3@example.com']);
    expect(await emails(tenant, { 'attributes.tier': 'gold', status: 'deactivated' })).toEqual([]);
    // A string that looks like a number is still a string.
    expect(await emails(tenant, { 'attributes.tier': '30' })).toEqual([]);
    const counted = await list(tenant, { 'attributes.tier': 'gold', count: 'true', limit: '1' });
    expect(counted.json().total).toBe(2);
    expect(counted.json().data).toHaveLength(1);

    const notSearchable = await list(tenant, { 'attributes.notes': 'x' });
    expect(notSearchable.statusCode).toBe(400);
    expect(notSearchable.json().code).toBe('ATTRIBUTE_NOT_SEARCHABLE');
    expect(fieldsOf(notSearchable)).toEqual(['attributes.notes']);
    const undefinedAttr = await list(tenant, { 'attributes.nothing': 'x' });
    expect(undefinedAttr.statusCode).toBe(400);
    expect(undefinedAttr.json().code).toBe('ATTRIBUTE_NOT_SEARCHABLE');
    const badNumber = await list(tenant, { 'attributes.age': 'old' });
    expect(badNumber.statusCode).toBe(400);
    expect(fieldsOf(badNumber)).toContain('attributes.age');
    expect((await list(tenant, { 'attributes.vip': 'yes' })).statusCode).toBe(400);
  });

  it('unknown query parameters, bad limits and bad cursors → 400', async () => {
    const tenant = await createTenant(t);
    for (const query of <Record<string, string>[]>[
      { foo: 'bar' },
      { limit: '201' },
      { limit: '0' },
      { limit: 'ten' },
      { cursor: 'garbage!' },
      { cursor: encodeCursor(['not a date', 'x']) },
      { cursor: encodeCursor([new Date().toISOString(), 'not-a-uuid']) },
      { cursor: Buffer.from('{"a":1}').toString('base64url') },
      { count: 'maybe' },
    ]) {
      const res = await list(tenant, query);
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.json().code).toBe('INVALID_PARAMETER');
    }
    expect((await list(tenant, { limit: '200' })).statusCode).toBe(200);
  });
});

describe('GET /v1/users cursor pagination', () => {
  it('pages cover everything once, in stable order, even when users share a creation instant', async () => {
    const tenant = await createTenant(t);
    const created: any[] = [];
    // Three users per instant: the id breaks ties.
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) clock.advance(1000);
      created.push(await createUser(t, tenant, { email: `page-${String(i).padStart(2, '0')}@example.com` }));
    }
    const expected = [...created]
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1))
      .map((u) => u.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { limit: '5', count: 'true' };
      if (cursor) query.cursor = cursor;
      const res = await list(tenant, query);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.total).toBe(12);
      expect(body.data.length).toBeLessThanOrEqual(5);
      seen.push(...body.data.map((u: any) => u.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(12);

    // An exact multiple of the limit: the last full page says there is no more.
    const exact = await list(tenant, { limit: '12' });
    expect(exact.json().data).toHaveLength(12);
    expect(exact.json().nextCursor).toBeNull();
  });

  it('cursors see writes at once, and filters apply on every page', async () => {
    const tenant = await createTenant(t);
    await seed(tenant, [
      { email: 'f-1@example.com', roles: ['admin'] },
      { email: 'f-2@example.com' },
      { email: 'f-3@example.com', roles: ['admin'] },
      { email: 'f-4@example.com', roles: ['admin'] },
    ]);
    const first = await list(tenant, { role: 'admin', limit: '2' });
    expect(first.json().data.map((u: any) => u.email)).toEqual(['f-1@example.com', 'f-3@example.com']);
    const cursor = first.json().nextCursor;
    expect(cursor).toEqual(expect.any(String));

    await seed(tenant, [{ email: 'f-5@example.com', roles: ['admin'] }]);
    const second = await list(tenant, { role: 'admin', limit: '2', cursor });
    expect(second.json().data.map((u: any) => u.email)).toEqual(['f-4@example.com', 'f-5@example.com']);
    expect(second.json().nextCursor).toBeNull();
  });

  it('erased users are not listed or counted', async () => {
    const tenant = await createTenant(t);
    const [a] = await seed(tenant, [{ email: 'er-a@example.com' }, { email: 'er-b@example.com' }]);
    const del = await t.call({ method: 'DELETE', url: `/v1/users/${a.id}`, headers: tenant.auth });
    expect(del.statusCode).toBe(204);
    const res = await list(tenant, { count: 'true' });
    expect(res.json().data.map((u: any) => u.email)).toEqual(['er-b@example.com']);
    expect(res.json().total).toBe(1);
    expect(await emails(tenant, { status: 'deactivated' })).toEqual([]);
  });
});

describe('tenant isolation', () => {
  it('another tenant lists and counts none of these users, whatever the filter', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    await createBrand(t, tenant, 'mine');
    await defineAttribute(t, tenant, { name: 'tier', type: 'string', searchable: true });
    const [u] = await seed(tenant, [{ email: 'iso-list@example.com', phone: '+14155550188', attributes: { tier: 'gold' } }]);
    await t.call({ method: 'PUT', url: `/v1/users/${u.id}/brands/mine`, headers: tenant.auth });

    const all = await list(other, { count: 'true' });
    expect(all.json()).toEqual({ data: [], nextCursor: null, total: 0 });
    expect(await emails(other, { email: 'iso-list@example.com' })).toEqual([]);
    expect(await emails(other, { phone: '+14155550188' })).toEqual([]);
    expect(await emails(other, { q: 'iso-list' })).toEqual([]);
    expect(await emails(other, { brand: 'mine' })).toEqual([]);
    // The attribute is defined in the first tenant only.
    expect((await list(other, { 'attributes.tier': 'gold' })).statusCode).toBe(400);
    // A cursor from one tenant does not reveal the other's users.
    const page = await list(tenant, { limit: '1' });
    expect(page.json().data).toHaveLength(1);
    const cursor = encodeCursor(['2000-01-01T00:00:00.000Z', u.id]);
    expect((await list(other, { cursor })).json().data).toEqual([]);
  });
});
