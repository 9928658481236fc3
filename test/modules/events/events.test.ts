import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventView } from '../../../src/modules/events/events.service.ts';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem, problemFields } from '../../helpers/problem.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function events(tenant: TestTenant, query = ''): Promise<{ data: EventView[]; nextCursor: string | null }> {
  const res = await t.call({ method: 'GET', url: `/v1/events${query}`, headers: tenant.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function keyIdOf(tenant: TestTenant): Promise<string> {
  const keys = (await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() })).json().data;
  const key = keys.find((k: { prefix: string }) => k.prefix === tenant.key.slice(0, 12));
  return key.id;
}

describe('events feed', () => {
  it('records admin actions: tenant.created and api_key.created, without the secret', async () => {
    const tenant = await createTenant(t);
    const feed = await events(tenant);
    const types = feed.data.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['tenant.created', 'api_key.created']);
    const [created, key] = feed.data;
    expect(created).toMatchObject({ tenantId: tenant.id, actor: 'admin', userId: null, data: { slug: tenant.slug } });
    expect(key).toMatchObject({
      tenantId: tenant.id,
      actor: 'admin',
      data: { keyId: await keyIdOf(tenant), prefix: tenant.key.slice(0, 12) },
    });
    expect(JSON.stringify(feed)).not.toContain(tenant.key);

    // Revocation and tenant updates are recorded too.
    const extra = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'x' },
    });
    await t.call({ method: 'DELETE', url: `/v1/admin/tenants/${tenant.id}/keys/${extra.json().id}`, headers: adminAuth() });
    const renamed = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}`,
      headers: adminAuth(),
      payload: { name: 'Renamed' },
    });
    const later = await events(tenant);
    // Admin actions carry the request id of the admin call, like every other event.
    expect(later.data.find((e) => e.type === 'tenant.updated')?.requestId).toBe(renamed.headers['x-request-id']);
    expect(later.data.map((e) => e.type)).toEqual([
      'tenant.created',
      'api_key.created',
      'api_key.created',
      'api_key.revoked',
      'tenant.updated',
    ]);
    expect(later.data.at(-1)?.changes).toEqual({ name: { before: `Tenant ${tenant.slug}`, after: 'Renamed' } });
    expect(JSON.stringify(later)).not.toContain(extra.json().secret);
  });

  it('pages in order with nextCursor, null at the end, and resumes from any event’s cursor', async () => {
    const tenant = await createTenant(t);
    for (let i = 0; i < 5; i++) {
      const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `p${i}@example.com` } });
      expect(res.statusCode).toBe(201);
    }
    const all = await events(tenant);
    expect(all.nextCursor).toBeNull();
    expect(all.data).toHaveLength(7);
    expect(new Set(all.data.map((e) => e.id)).size).toBe(7);
    expect(all.data.slice(2).map((e) => e.type)).toEqual(Array(5).fill('user.created'));
    for (let i = 1; i < all.data.length; i++) expect(all.data[i - 1].createdAt <= all.data[i].createdAt).toBe(true);

    const paged: EventView[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: { data: EventView[]; nextCursor: string | null } = await events(
        tenant,
        `?limit=3${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(3);
      paged.push(...page.data);
      if (page.nextCursor) expect(page.nextCursor).toBe(page.data.at(-1)?.cursor);
      after = page.nextCursor;
      pages++;
    } while (after && pages < 10);
    expect(pages).toBe(3);
    expect(paged).toEqual(all.data);

    // Resuming after the fourth event gives the rest.
    const rest = await events(tenant, `?after=${encodeURIComponent(all.data[3].cursor)}`);
    expect(rest.data).toEqual(all.data.slice(4));
    // Resuming after the last event gives nothing yet; a new event then shows up.
    const last = all.data.at(-1) as EventView;
    expect((await events(tenant, `?after=${encodeURIComponent(last.cursor)}`)).data).toEqual([]);
    await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'late@example.com' } });
    const fresh = await events(tenant, `?after=${encodeURIComponent(last.cursor)}`);
    expect(fresh.data.map((e) => e.type)).toEqual(['user.created']);
    expect(fresh.nextCursor).toBeNull();
  });

  it('filters by type and by userId', async () => {
    const tenant = await createTenant(t);
    const a = (await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'fa@example.com' } })).json();
    const b = (await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'fb@example.com' } })).json();
    await t.call({ method: 'PATCH', url: `/v1/users/${a.id}`, headers: tenant.auth, payload: { name: 'A' } });
    await t.call({ method: 'PATCH', url: `/v1/users/${b.id}`, headers: tenant.auth, payload: { name: 'B' } });
    await t.call({ method: 'PATCH', url: `/v1/users/${a.id}`, headers: tenant.auth, payload: { name: 'AA' } });

    const updated = await events(tenant, '?type=user.updated');
    expect(updated.data.map((e) => [e.type, e.userId])).toEqual([
      ['user.updated', a.id],
      ['user.updated', b.id],
      ['user.updated', a.id],
    ]);
    const ofA = await events(tenant, `?userId=${a.id}`);
    expect(ofA.data.map((e) => e.type)).toEqual(['user.created', 'user.updated', 'user.updated']);
    expect(ofA.data.every((e) => e.userId === a.id)).toBe(true);
    expect(ofA.data[2].changes).toEqual({ name: { before: 'A', after: 'AA' } });
    const both = await events(tenant, `?userId=${b.id}&type=user.created`);
    expect(both.data).toHaveLength(1);
    expect(both.data[0].userId).toBe(b.id);
    // Filters and paging combine.
    const firstOfA = await events(tenant, `?userId=${a.id}&limit=1`);
    expect(firstOfA.data.map((e) => e.type)).toEqual(['user.created']);
    const restOfA = await events(tenant, `?userId=${a.id}&after=${encodeURIComponent(firstOfA.nextCursor as string)}`);
    expect(restOfA.data.map((e) => e.type)).toEqual(['user.updated', 'user.updated']);
    expect((await events(tenant, '?type=no.such.type')).data).toEqual([]);
  });

  it('names the actor key, the request id and the source system of each change', async () => {
    const tenant = await createTenant(t);
    const keyId = await keyIdOf(tenant);
    const withSource = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: { ...tenant.auth, 'x-source-system': 'crm' },
      payload: { email: 'src@example.com' },
    });
    const requestId = withSource.headers['x-request-id'];
    expect(typeof requestId).toBe('string');
    const id = withSource.json().id;
    const noSource = await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: tenant.auth, payload: { name: 'S' } });
    const own = await t.call({
      method: 'PATCH',
      url: `/v1/users/${id}`,
      headers: { ...tenant.auth, 'x-request-id': 'caller-chosen-id-1' },
      payload: { name: 'T' },
    });
    expect(own.headers['x-request-id']).toBe('caller-chosen-id-1');

    const feed = await events(tenant, `?userId=${id}`);
    expect(feed.data).toHaveLength(3);
    expect(feed.data[0]).toMatchObject({ type: 'user.created', actor: keyId, requestId, source: 'crm', tenantId: tenant.id });
    expect(feed.data[1]).toMatchObject({ type: 'user.updated', actor: keyId, requestId: noSource.headers['x-request-id'], source: null });
    expect(feed.data[2]).toMatchObject({ type: 'user.updated', requestId: 'caller-chosen-id-1' });
    expect(feed.data[0].requestId).not.toBe(feed.data[1].requestId);

    // A second key of the tenant is a different actor.
    const second = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'k2' },
    });
    await t.call({
      method: 'PATCH',
      url: `/v1/users/${id}`,
      headers: { authorization: `Token ${second.json().secret}` },
      payload: { name: 'U' },
    });
    expect((await events(tenant, `?userId=${id}`)).data.at(-1)?.actor).toBe(second.json().id);
  });

  it('shows a tenant only its own events', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    const user = (await t.call({ method: 'POST', url: '/v1/users', headers: a.auth, payload: { email: 'iso@example.com' } })).json();
    const feedB = await events(b);
    expect(feedB.data.every((e) => e.tenantId === b.id)).toBe(true);
    expect(feedB.data.map((e) => e.type)).toEqual(['tenant.created', 'api_key.created']);
    expect((await events(b, `?userId=${user.id}`)).data).toEqual([]);
    // A cursor from tenant A's feed does not open tenant A's events to tenant B.
    const feedA = await events(a);
    const fromA = await events(b, `?after=${encodeURIComponent(feedA.data[0].cursor)}`);
    expect(fromA.data.every((e) => e.tenantId === b.id)).toBe(true);
  });

  it('refuses bad query parameters with 400 INVALID_PARAMETER naming them', async () => {
    const tenant = await createTenant(t);
    for (const [query, field] of [
      ['?after=not-a-cursor', 'after'],
      ['?userId=nope', 'userId'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=ten', 'limit'],
      ['?colour=red', 'colour'],
    ] as const) {
      const res = await t.call({ method: 'GET', url: `/v1/events${query}`, headers: tenant.auth });
      expectProblem(res, 400, 'INVALID_PARAMETER');
      expect(problemFields(res), query).toEqual([field]);
    }
  });
});
