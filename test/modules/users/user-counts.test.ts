/**
 * The maintained per-status counters (migration 0011) that answer `count=true` without a filter or with a status:
 * they stay equal to the rows under concurrent creates, find-or-create races, status changes and erasure, and
 * filters the counters do not cover still count rows exactly.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../src/core/cursor.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  other = await createTenant(t);
});
afterAll(() => t.close());

async function total(tn: TestTenant, query = ''): Promise<number> {
  const res = await t.call({ method: 'GET', url: `/v1/users?count=true&limit=1${query}`, headers: tn.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().total;
}

/** The truth, counted from the rows. */
async function rows(tenantId: string, status?: string): Promise<number> {
  const { rows: found } = await sql<{ n: number }>`
    select count(*)::int as n from users where tenant_id = ${tenantId} and erased_at is null
    and (${status ?? null}::text is null or status = ${status ?? null})`.execute(t.registry.db);
  return Number(found[0]?.n);
}

function post(tn: TestTenant, url: string, payload: unknown = {}) {
  return t.call({ method: 'POST', url, headers: tn.auth, payload: payload as Record<string, unknown> });
}

describe('count=true from the maintained counters', () => {
  it('stays exact under concurrent creates, find-or-create races, deactivations and erasures', async () => {
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => post(tenant, '/v1/users', { email: `c${i}@example.com` })));
    expect(created.every((r) => r.statusCode === 201)).toBe(true);
    // 60 racing find-or-creates over 20 emails (10 of them existing): 10 new users, whatever the interleaving.
    const racing = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post(tenant, '/v1/users/find-or-create', { email: `c${30 + (i % 20)}@example.com` })),
    );
    expect(racing.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    const ids = created.map((r) => r.json().id as string);
    // Concurrent deactivations (some twice: idempotent) and erasures, over overlapping users.
    await Promise.all([
      ...ids.slice(0, 15).map((id) => post(tenant, `/v1/users/${id}/deactivate`)),
      ...ids.slice(10, 15).map((id) => post(tenant, `/v1/users/${id}/deactivate`)),
      ...ids.slice(12, 20).map((id) => t.call({ method: 'DELETE', url: `/v1/users/${id}`, headers: tenant.auth })),
    ]);
    await Promise.all(ids.slice(0, 5).map((id) => post(tenant, `/v1/users/${id}/reactivate`)));

    expect(await rows(tenant.id)).toBe(50 - 8);
    expect(await total(tenant)).toBe(await rows(tenant.id));
    expect(await total(tenant, '&status=active')).toBe(await rows(tenant.id, 'active'));
    expect(await total(tenant, '&status=deactivated')).toBe(await rows(tenant.id, 'deactivated'));
    expect(await total(tenant, '&status=deactivated')).toBe(7);
    // Another tenant's counters are its own.
    expect(await total(other)).toBe(0);
  });

  it('counts rows for filters the counters do not cover', async () => {
    const tn = await createTenant(t);
    expect((await post(tn, '/v1/users', { email: 'zed.searchable@example.com', phone: '+14155550123' })).statusCode).toBe(201);
    expect((await post(tn, '/v1/users', { email: 'amy@example.com' })).statusCode).toBe(201);
    expect(await total(tn)).toBe(2);
    // Substring search (the trigram index where pg_trgm is present) on email and phone.
    expect(await total(tn, '&q=searchab')).toBe(1);
    expect(await total(tn, '&q=5550123')).toBe(1);
    expect(await total(tn, '&q=nobody-here')).toBe(0);
  });

  it('gives the exact total on a page past the last user and beside group roles', async () => {
    const tn = await createTenant(t);
    for (const email of ['one@example.com', 'two@example.com', 'three@example.com']) {
      expect((await post(tn, '/v1/users', { email })).statusCode).toBe(201);
    }
    const first = await t.call({ method: 'GET', url: '/v1/users?count=true&limit=2', headers: tn.auth });
    expect(first.json().total).toBe(3);
    const second = await t.call({ method: 'GET', url: `/v1/users?count=true&limit=2&cursor=${first.json().nextCursor}`, headers: tn.auth });
    expect(second.json().data).toHaveLength(1);
    expect(second.json().total).toBe(3);
    expect(second.json().nextCursor).toBeNull();
    // A page with no rows carries no total from its own statement; the total is still there.
    const pastEnd = encodeCursor(['9999-01-01T00:00:00.000Z', 'ffffffff-ffff-4fff-bfff-ffffffffffff']);
    const beyond = await t.call({ method: 'GET', url: `/v1/users?count=true&limit=2&cursor=${pastEnd}`, headers: tn.auth });
    expect(beyond.statusCode, beyond.body).toBe(200);
    expect(beyond.json().data).toEqual([]);
    expect(beyond.json().total).toBe(3);
    expect(await total(tn, '&status=deactivated')).toBe(0);
  });
});
