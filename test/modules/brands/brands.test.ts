import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createBrand, createUser, listEvents } from '../../helpers/users.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function join(tenant: TestTenant, id: string, slug: string) {
  return t.call({ method: 'PUT', url: `/v1/users/${id}/brands/${slug}`, headers: tenant.auth });
}

function leave(tenant: TestTenant, id: string, slug: string) {
  return t.call({ method: 'DELETE', url: `/v1/users/${id}/brands/${slug}`, headers: tenant.auth });
}

const slugs = (user: { brands: { slug: string }[] }) => user.brands.map((b) => b.slug);

describe('brands through the admin API', () => {
  it('creates and lists brands; a taken slug → 409; a bad slug → 422', async () => {
    const tenant = await createTenant(t);
    const brand = await createBrand(t, tenant, 'north-store', 'North Store');
    expect(brand).toMatchObject({ tenantId: tenant.id, slug: 'north-store', name: 'North Store', codes: {} });
    const dup = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'north-store', name: 'Again' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('BRAND_SLUG_TAKEN');
    const bad = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'Bad Slug', name: 'Bad' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: any) => e.field)).toContain('slug');

    const other = await createTenant(t);
    // The same slug is free in another tenant.
    expect((await createBrand(t, other, 'north-store')).tenantId).toBe(other.id);
    const listed = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/brands`, headers: adminAuth() });
    expect(listed.json().data.map((b: any) => b.id)).toEqual([brand.id]);
  });
});

describe('PUT and DELETE /v1/users/{id}/brands/{slug}', () => {
  it('joins (201, then 200 without a second event) and leaves (again idempotent)', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'alpha');
    await createBrand(t, tenant, 'beta');
    const user = await createUser(t, tenant, { email: 'member@example.com' });
    expect(user.brands).toEqual([]);

    const first = await join(tenant, user.id, 'alpha');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().brands).toEqual([{ slug: 'alpha', joinedAt: expect.any(String) }]);
    const joinedAt = first.json().brands[0].joinedAt;
    expect(Number.isNaN(Date.parse(joinedAt))).toBe(false);

    // Memberships are part of the user: joining moves the version and the ETag on; a repeat does not.
    expect(first.json().version).toBe(user.version + 1);
    expect(first.headers.etag).toBe(`"${user.version + 1}"`);
    const again = await join(tenant, user.id, 'alpha');
    expect(again.statusCode).toBe(200);
    expect(again.json().brands).toEqual([{ slug: 'alpha', joinedAt }]);
    expect(again.json().version).toBe(user.version + 1);

    expect((await join(tenant, user.id, 'beta')).statusCode).toBe(201);
    const got = await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth });
    expect(slugs(got.json())).toEqual(['alpha', 'beta']);
    expect(got.json().brands[0].joinedAt).toBe(joinedAt);

    const joinedEvents = await listEvents(t, tenant, { type: 'user.brand_joined', userId: user.id });
    expect(joinedEvents.map((e) => e.data)).toEqual([{ brand: 'alpha' }, { brand: 'beta' }]);

    const left = await leave(tenant, user.id, 'alpha');
    expect(left.statusCode, left.body).toBe(200);
    expect(slugs(left.json())).toEqual(['beta']);
    expect(left.json().version).toBe(user.version + 3);
    const leftAgain = await leave(tenant, user.id, 'alpha');
    expect(leftAgain.statusCode).toBe(200);
    expect(leftAgain.json().version).toBe(user.version + 3);
    expect(slugs(leftAgain.json())).toEqual(['beta']);
    expect(slugs((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json())).toEqual(['beta']);
    const leftEvents = await listEvents(t, tenant, { type: 'user.brand_left', userId: user.id });
    expect(leftEvents.map((e) => e.data)).toEqual([{ brand: 'alpha' }]);

    // Rejoining is a new membership.
    expect((await join(tenant, user.id, 'alpha')).statusCode).toBe(201);
  });

  it('unknown brand → 404 BRAND_NOT_FOUND; unknown user → 404 USER_NOT_FOUND', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'real');
    const user = await createUser(t, tenant, { email: 'nobrand@example.com' });
    for (const res of [await join(tenant, user.id, 'imaginary'), await leave(tenant, user.id, 'imaginary')]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'BRAND_NOT_FOUND', brand: 'imaginary' });
    }
    for (const id of ['01900000-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const res = await join(tenant, id, 'real');
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('USER_NOT_FOUND');
    }
    expect(await listEvents(t, tenant, { type: 'user.brand_joined' })).toEqual([]);
  });

  it('erasing a user ends its memberships', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'gone');
    const user = await createUser(t, tenant, { email: 'erased-member@example.com' });
    await join(tenant, user.id, 'gone');
    expect((await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: tenant.auth })).statusCode).toBe(204);
    const rows = await t.registry.db.selectFrom('user_brands').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toEqual([]);
  });
});

describe('brand-bound keys', () => {
  it('a key bound to a brand joins the users it creates', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'shop');
    const key = await createKey(t, tenant.id, { name: 'shop key', brand: 'shop' });
    const auth = { authorization: `Bearer ${key}` };

    const res = await t.call({ method: 'POST', url: '/v1/users', headers: auth, payload: { email: 'bound@example.com' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(slugs(res.json())).toEqual(['shop']);
    const got = await t.call({ method: 'GET', url: `/v1/users/${res.json().id}`, headers: tenant.auth });
    expect(slugs(got.json())).toEqual(['shop']);
    const events = await listEvents(t, tenant, { userId: res.json().id });
    expect(events.map((e) => e.type)).toEqual(['user.created', 'user.brand_joined']);
    expect(events[1].data).toEqual({ brand: 'shop' });

    const upserted = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/b-1',
      headers: auth,
      payload: { email: 'b1@example.com' },
    });
    expect(upserted.statusCode).toBe(201);
    expect(slugs(upserted.json().user)).toEqual(['shop']);
  });

  it('find-or-create with a brand key joins the found user once', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'cafe');
    const existing = await createUser(t, tenant, { email: 'regular@example.com' });
    expect(existing.brands).toEqual([]);
    const auth = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'cafe key', brand: 'cafe' })}` };

    const found = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: auth,
      payload: { email: 'REGULAR@example.com' },
    });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().created).toBe(false);
    expect(found.json().user.id).toBe(existing.id);
    expect(slugs(found.json().user)).toEqual(['cafe']);
    expect(found.json().user.version).toBe(existing.version + 1);
    expect(found.headers.etag).toBe(`"${existing.version + 1}"`);

    const again = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: auth,
      payload: { email: 'regular@example.com' },
    });
    expect(again.statusCode).toBe(200);
    expect(slugs(again.json().user)).toEqual(['cafe']);
    expect(again.json().user.version).toBe(existing.version + 1);
    expect(await listEvents(t, tenant, { type: 'user.brand_joined', userId: existing.id })).toHaveLength(1);

    const created = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: auth,
      payload: { email: 'walkin@example.com' },
    });
    expect(created.statusCode).toBe(201);
    expect(slugs(created.json().user)).toEqual(['cafe']);

    // A key without a brand joins nobody.
    const plain = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: tenant.auth,
      payload: { email: 'plain@example.com' },
    });
    expect(plain.json().user.brands).toEqual([]);
  });

  it('upsert by external id with a brand key joins the found user, changed or not', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'mall');
    const a = await createUser(t, tenant, { externalId: 'ua', email: 'ua@example.com' });
    const b = await createUser(t, tenant, { externalId: 'ub', email: 'ub@example.com' });
    const auth = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'mall key', brand: 'mall' })}` };

    const unchanged = await t.call({ method: 'PUT', url: '/v1/users/by-external-id/ua', headers: auth, payload: {} });
    expect(unchanged.statusCode).toBe(200);
    expect(slugs(unchanged.json().user)).toEqual(['mall']);
    const changed = await t.call({ method: 'PUT', url: '/v1/users/by-external-id/ub', headers: auth, payload: { city: 'Rome' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().user).toMatchObject({ city: 'Rome', version: 3 });
    expect(slugs(changed.json().user)).toEqual(['mall']);
    for (const user of [a, b]) {
      const got = await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth });
      expect(slugs(got.json())).toEqual(['mall']);
      expect(await listEvents(t, tenant, { type: 'user.brand_joined', userId: user.id })).toHaveLength(1);
    }
  });

  it('a key cannot be bound to a brand the tenant does not have', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    await createBrand(t, other, 'elsewhere');
    const res = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'k', brand: 'elsewhere' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('BRAND_NOT_FOUND');
  });
});

describe('tenant isolation', () => {
  it('another tenant cannot join or remove a user’s brands, nor use the tenant’s brands', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    await createBrand(t, tenant, 'only-here');
    await createBrand(t, other, 'theirs');
    const user = await createUser(t, tenant, { email: 'iso-brand@example.com' });
    expect((await join(tenant, user.id, 'only-here')).statusCode).toBe(201);

    // The other tenant's own brand on this user: no such user there.
    const foreignUser = await join(other, user.id, 'theirs');
    expect(foreignUser.statusCode).toBe(404);
    expect(foreignUser.json().code).toBe('USER_NOT_FOUND');
    expect((await leave(other, user.id, 'theirs')).statusCode).toBe(404);
    // This tenant's brand does not exist for the other tenant.
    const theirUser = await createUser(t, other, { email: 'their@example.com' });
    const foreignBrand = await join(other, theirUser.id, 'only-here');
    expect(foreignBrand.statusCode).toBe(404);
    expect(foreignBrand.json().code).toBe('BRAND_NOT_FOUND');
    // Nor can this tenant use the other's brand.
    expect((await join(tenant, user.id, 'theirs')).json().code).toBe('BRAND_NOT_FOUND');

    expect(slugs((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json())).toEqual(['only-here']);
    const listed = await t.call({ method: 'GET', url: '/v1/users', headers: other.auth, query: { brand: 'only-here' } });
    expect(listed.json().data).toEqual([]);
    expect(await listEvents(t, other, { type: 'user.brand_joined' })).toEqual([]);
  });
});
