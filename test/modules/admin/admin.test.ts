import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, adminAuth, createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { expectProblem, problemFields } from '../../helpers/problem.ts';

let t: TestApp;
let n = 0;

/** A slug no other test (or concurrent run) uses. */
function uniqueSlug(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${(n++).toString(36)}`;
}

async function postTenant(body: Record<string, unknown>) {
  return t.call({ method: 'POST', url: '/v1/admin/tenants', headers: adminAuth(), payload: body });
}

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('admin: tenants', () => {
  it('creates, reads and patches a tenant', async () => {
    const slug = uniqueSlug('acme');
    const host = `${slug}.example.com`;
    const created = await postTenant({
      slug,
      name: '  Acme  ',
      hosts: [host.toUpperCase()],
      codes: { clientGroup: 'cg1' },
      defaultCountry: 'in',
      currency: 'inr',
    });
    expect(created.statusCode, created.body).toBe(201);
    const tenant = created.json();
    expect(tenant).toMatchObject({
      slug,
      name: 'Acme',
      hosts: [host],
      codes: { clientGroup: 'cg1' },
      defaultCountry: 'IN',
      currency: 'INR',
      allowFreeformAttributes: false,
    });
    expect(tenant.id).toMatch(/^[0-9a-f-]{36}$/);

    const got = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth() });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(tenant);

    const newHost = `${slug}.example.org`;
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}`,
      headers: adminAuth(),
      payload: { name: 'Acme Ltd', hosts: [newHost], defaultCountry: 'GB' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      id: tenant.id,
      slug,
      name: 'Acme Ltd',
      hosts: [newHost],
      defaultCountry: 'GB',
      currency: 'INR',
    });

    const again = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth() });
    expect(again.json().name).toBe('Acme Ltd');

    // The old host is free again: another tenant may take it.
    const taker = await postTenant({ slug: uniqueSlug('taker'), name: 'Taker', hosts: [host] });
    expect(taker.statusCode, taker.body).toBe(201);
  });

  it('answers 404 TENANT_NOT_FOUND for an unknown tenant id', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/admin/tenants/00000000-0000-7000-8000-000000000000', headers: adminAuth() });
    expectProblem(res, 404, 'TENANT_NOT_FOUND');
    const patch = await t.call({
      method: 'PATCH',
      url: '/v1/admin/tenants/not-a-uuid',
      headers: adminAuth(),
      payload: { name: 'x' },
    });
    expectProblem(patch, 404, 'TENANT_NOT_FOUND');
  });

  it('refuses a duplicate slug with 409 TENANT_SLUG_TAKEN, on create and on patch', async () => {
    const slug = uniqueSlug('dup');
    expect((await postTenant({ slug, name: 'One' })).statusCode).toBe(201);
    const second = await postTenant({ slug, name: 'Two' });
    const problem = expectProblem(second, 409, 'TENANT_SLUG_TAKEN');
    expect(problemFields(second)).toEqual(['slug']);
    expect(problem.errors[0].code).toBe('taken');

    const other = (await postTenant({ slug: uniqueSlug('other'), name: 'Other' })).json();
    const patch = await t.call({ method: 'PATCH', url: `/v1/admin/tenants/${other.id}`, headers: adminAuth(), payload: { slug } });
    expectProblem(patch, 409, 'TENANT_SLUG_TAKEN');
  });

  it('refuses a host already used by another tenant with 409 TENANT_HOST_TAKEN', async () => {
    const host = `${uniqueSlug('h')}.example.com`;
    expect((await postTenant({ slug: uniqueSlug('h1'), name: 'H1', hosts: [host] })).statusCode).toBe(201);
    // Hosts are compared after lower-casing.
    const clash = await postTenant({ slug: uniqueSlug('h2'), name: 'H2', hosts: [host.toUpperCase()] });
    expectProblem(clash, 409, 'TENANT_HOST_TAKEN');
    expect(problemFields(clash)).toEqual(['hosts']);

    const other = (await postTenant({ slug: uniqueSlug('h3'), name: 'H3' })).json();
    const patch = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${other.id}`,
      headers: adminAuth(),
      payload: { hosts: [`free-${host}`, host] },
    });
    expectProblem(patch, 409, 'TENANT_HOST_TAKEN');
    // The failed patch changed nothing.
    const after = await t.call({ method: 'GET', url: `/v1/admin/tenants/${other.id}`, headers: adminAuth() });
    expect(after.json().hosts).toEqual([]);
  });

  it('refuses a bad slug, country, currency or host with 422 naming the field', async () => {
    for (const [body, field] of [
      [{ slug: 'Bad Slug!', name: 'x' }, 'slug'],
      [{ slug: '-leading', name: 'x' }, 'slug'],
      [{ slug: uniqueSlug('c'), name: 'x', defaultCountry: 'ZZ' }, 'defaultCountry'],
      [{ slug: uniqueSlug('c'), name: 'x', defaultCountry: 'IND' }, 'defaultCountry'],
      [{ slug: uniqueSlug('c'), name: 'x', currency: '12' }, 'currency'],
      [{ slug: uniqueSlug('c'), name: 'x', hosts: ['not a host'] }, 'hosts[0]'],
      [{ slug: uniqueSlug('c'), name: '   ' }, 'name'],
      [{ slug: uniqueSlug('c') }, 'name'],
      [{ slug: uniqueSlug('c'), name: 'x', color: 'red' }, 'color'],
    ] as const) {
      const res = await postTenant(body);
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problemFields(res), JSON.stringify(body)).toContain(field);
    }
    const tenant = await createTenant(t);
    const patch = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}`,
      headers: adminAuth(),
      payload: { slug: 'UPPER' },
    });
    expectProblem(patch, 422, 'VALIDATION_FAILED');
    expect(problemFields(patch)).toEqual(['slug']);
  });

  it('lists tenants with cursor pagination, each tenant once, in creation order', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) mine.push((await postTenant({ slug: uniqueSlug('page'), name: `Page ${i}` })).json().id);

    const first = await t.call({ method: 'GET', url: '/v1/admin/tenants?limit=1', headers: adminAuth() });
    expect(first.statusCode).toBe(200);
    expect(first.json().data).toHaveLength(1);
    expect(typeof first.json().nextCursor).toBe('string');

    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/admin/tenants?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await t.call({ method: 'GET', url, headers: adminAuth() });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json();
      expect(page.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.data);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 1000);
    expect(cursor).toBeNull();
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of mine) expect(ids).toContain(id);
    const positions = mine.map((id) => ids.indexOf(id));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1].createdAt <= seen[i].createdAt).toBe(true);
  });

  it('refuses a malformed cursor or limit with 400 INVALID_PARAMETER naming it', async () => {
    const bad = await t.call({ method: 'GET', url: '/v1/admin/tenants?cursor=%%%garbage', headers: adminAuth() });
    expectProblem(bad, 400, 'INVALID_PARAMETER');
    expect(problemFields(bad)).toEqual(['cursor']);
    const limit = await t.call({ method: 'GET', url: '/v1/admin/tenants?limit=0', headers: adminAuth() });
    expectProblem(limit, 400, 'INVALID_PARAMETER');
    expect(problemFields(limit)).toEqual(['limit']);
  });
});

describe('admin: brands', () => {
  it('creates and lists brands; a duplicate slug is 409, a bad one 422, an unknown tenant 404', async () => {
    const tenant = await createTenant(t);
    const created = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'paper-one', name: 'Paper One', codes: { paper: 'P1' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ tenantId: tenant.id, slug: 'paper-one', name: 'Paper One', codes: { paper: 'P1' } });

    // Brands are addressed through the tenant's id or slug.
    const list = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.slug}/brands`, headers: adminAuth() });
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((b: { slug: string }) => b.slug)).toEqual(['paper-one']);

    const dup = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'paper-one', name: 'Again' },
    });
    expectProblem(dup, 409, 'BRAND_SLUG_TAKEN');

    // The same brand slug in another tenant is fine.
    const other = await createTenant(t);
    const elsewhere = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${other.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'paper-one', name: 'Paper One' },
    });
    expect(elsewhere.statusCode).toBe(201);

    const bad = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'Paper One', name: 'x' },
    });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(problemFields(bad)).toEqual(['slug']);

    const missing = await t.call({
      method: 'POST',
      url: '/v1/admin/tenants/no-such-tenant-anywhere/brands',
      headers: adminAuth(),
      payload: { slug: 'b', name: 'b' },
    });
    expectProblem(missing, 404, 'TENANT_NOT_FOUND');
  });
});

describe('admin: API keys', () => {
  it('creates a key whose 64-character secret appears only in the create response', async () => {
    const tenant = await createTenant(t);
    const res = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'backend', scopes: ['users:read', 'users:read'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const key = res.json();
    expect(key.secret).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 12));
    expect(key).toMatchObject({
      tenantId: tenant.id,
      name: 'backend',
      brand: null,
      scopes: ['users:read'],
      lastUsedAt: null,
      revokedAt: null,
    });

    const list = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() });
    expect(list.statusCode).toBe(200);
    const listed = list.json().data;
    expect(listed.map((k: { id: string }) => k.id)).toContain(key.id);
    for (const k of listed) expect(k).not.toHaveProperty('secret');
    expect(list.body).not.toContain(key.secret);
    expect(list.body).not.toContain(tenant.key);
    const { secret: _secret, ...withoutSecret } = key;
    expect(listed.find((k: { id: string }) => k.id === key.id)).toEqual(withoutSecret);

    // Two keys never share a secret.
    const second = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'b' },
    });
    expect(second.json().secret).not.toBe(key.secret);
    // A key without scopes holds every scope.
    expect(second.json().scopes).toEqual(expect.arrayContaining(['users:read', 'users:write', 'users:roles', 'events:read']));
  });

  it('binds a key to a brand, and refuses an unknown brand or scope', async () => {
    const tenant = await createTenant(t);
    await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'shop', name: 'Shop' },
    });
    const bound = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'shop key', brand: 'shop' },
    });
    expect(bound.statusCode, bound.body).toBe(201);
    expect(bound.json().brand).toBe('shop');
    const list = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() });
    expect(list.json().data.find((k: { id: string }) => k.id === bound.json().id).brand).toBe('shop');

    const noBrand = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'x', brand: 'nope' },
    });
    expectProblem(noBrand, 404, 'BRAND_NOT_FOUND');

    const badScope = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'x', scopes: ['users:read', 'root'] },
    });
    expectProblem(badScope, 422, 'VALIDATION_FAILED');
    expect(problemFields(badScope)).toEqual(['scopes[1]']);
  });

  it('revokes a key: it fails with 401 at once, even right after a successful call', async () => {
    const tenant = await createTenant(t);
    const created = (
      await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth(), payload: { name: 'doomed' } })
    ).json();
    const auth = { authorization: `Bearer ${created.secret}` };
    expect((await t.call({ method: 'GET', url: '/v1/users', headers: auth })).statusCode).toBe(200);

    const revoked = await t.call({ method: 'DELETE', url: `/v1/admin/tenants/${tenant.id}/keys/${created.id}`, headers: adminAuth() });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().id).toBe(created.id);
    expect(typeof revoked.json().revokedAt).toBe('string');
    expect(revoked.body).not.toContain(created.secret);

    expectProblem(await t.call({ method: 'GET', url: '/v1/users', headers: auth }), 401, 'API_KEY_INVALID');
    // The tenant's other key still works.
    expect((await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth })).statusCode).toBe(200);

    const list = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() });
    expect(list.json().data.find((k: { id: string }) => k.id === created.id).revokedAt).toBe(revoked.json().revokedAt);

    // Revoking again is harmless and keeps the first revocation time.
    const again = await t.call({ method: 'DELETE', url: `/v1/admin/tenants/${tenant.id}/keys/${created.id}`, headers: adminAuth() });
    expect(again.statusCode).toBe(200);
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
  });

  it('answers 404 API_KEY_NOT_FOUND for an unknown key or another tenant’s key', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    const keyOfA = (await t.call({ method: 'GET', url: `/v1/admin/tenants/${a.id}/keys`, headers: adminAuth() })).json().data[0];
    const cross = await t.call({ method: 'DELETE', url: `/v1/admin/tenants/${b.id}/keys/${keyOfA.id}`, headers: adminAuth() });
    expectProblem(cross, 404, 'API_KEY_NOT_FOUND');
    expect((await t.call({ method: 'GET', url: '/v1/users', headers: a.auth })).statusCode).toBe(200);

    const unknown = await t.call({ method: 'DELETE', url: `/v1/admin/tenants/${a.id}/keys/not-a-key`, headers: adminAuth() });
    expectProblem(unknown, 404, 'API_KEY_NOT_FOUND');
  });
});

describe('admin: authorization', () => {
  const routes = [
    { method: 'GET', url: '/v1/admin/tenants' },
    { method: 'POST', url: '/v1/admin/tenants', payload: { slug: 'never-made', name: 'x' } },
  ] as const;

  it('answers 401 AUTH_REQUIRED with WWW-Authenticate when no token is sent', async () => {
    for (const route of routes) {
      const res = await t.call({ ...route });
      expectProblem(res, 401, 'AUTH_REQUIRED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('answers 401 ADMIN_TOKEN_INVALID for a wrong token, and for a tenant key', async () => {
    const tenant = await createTenant(t);
    for (const authorization of [
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      'Bearer wrong',
      tenant.auth.authorization,
      `Token ${tenant.key}`,
    ]) {
      for (const route of routes) {
        const res = await t.call({ ...route, headers: { authorization } });
        expectProblem(res, 401, 'ADMIN_TOKEN_INVALID');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
    const keys = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: tenant.auth });
    expectProblem(keys, 401, 'ADMIN_TOKEN_INVALID');
    expect(keys.body).not.toContain(tenant.key.slice(12));
  });

  it('accepts the admin token with either scheme, case-insensitively', async () => {
    for (const authorization of [`Bearer ${ADMIN_TOKEN}`, `Token ${ADMIN_TOKEN}`, `bearer ${ADMIN_TOKEN}`]) {
      const res = await t.call({ method: 'GET', url: '/v1/admin/tenants?limit=1', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(200);
    }
  });
});
