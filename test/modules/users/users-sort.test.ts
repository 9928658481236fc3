import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { USER_SORTS } from '../../../src/modules/users/users.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser } from '../../helpers/users.ts';

const clock = fixedClock(new Date('2024-05-01T08:00:00.000Z'));
let t: TestApp;
let tenant: TestTenant;
let users: any[];

beforeAll(async () => {
  t = await createTestApp({ clock });
  tenant = await createTenant(t);
  // Duplicate names and creation times (ties broken by id), users without an email or a name (nulls), and
  // updates that reorder updatedAt against createdAt.
  const bodies: Record<string, unknown>[] = [
    { email: 'mia@example.com', name: 'Mia' },
    { email: 'ann@example.com', name: 'Zoe' },
    { phone: '+14155550101', name: 'Mia' },
    { email: 'bob@example.com' },
    { phone: '+14155550102' },
    { email: 'cy@example.com', name: 'Ann' },
    { email: 'dee@example.com', name: 'Mia' },
  ];
  users = [];
  for (const [i, body] of bodies.entries()) {
    if (i !== 4) clock.advance(1000);
    users.push(await createUser(t, tenant, body));
  }
  for (const i of [3, 0, 5]) {
    clock.advance(1000);
    const res = await t.call({ method: 'PATCH', url: `/v1/users/${users[i].id}`, headers: tenant.auth, payload: { locale: 'en' } });
    expect(res.statusCode).toBe(200);
    users[i] = res.json();
  }
});
afterAll(() => t.close());

/** The order the API promises: the field with nulls last ascending (first descending), then the id the same way. */
function expected(sort: string, list: any[]): string[] {
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  const sign = descending ? -1 : 1;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...list]
    .sort((a, b) => {
      const x = a[field] ?? null;
      const y = b[field] ?? null;
      if (x === null && y === null) return sign * cmp(a.id, b.id);
      if (x === null) return descending ? -1 : 1;
      if (y === null) return descending ? 1 : -1;
      return sign * (cmp(x, y) || cmp(a.id, b.id));
    })
    .map((u) => u.id);
}

async function pageThrough(query: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 20; n++) {
    const res = await t.call({
      method: 'GET',
      url: '/v1/users',
      headers: tenant.auth,
      query: { ...query, limit: '2', ...(cursor ? { cursor } : {}) },
    });
    expect(res.statusCode, res.body).toBe(200);
    ids.push(...res.json().data.map((u: any) => u.id));
    cursor = res.json().nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('the cursor never ended');
}

describe('GET /v1/users?sort=', () => {
  it.each(USER_SORTS)('pages through every user exactly once in %s order', async (sort) => {
    const ids = await pageThrough({ sort });
    expect(ids).toEqual(expected(sort, users));
  });

  it('keeps the sort under a filter', async () => {
    const withEmail = users.filter((u) => u.email);
    expect(await pageThrough({ sort: '-name', q: 'example.com' })).toEqual(expected('-name', withEmail));
    expect(await pageThrough({ sort: 'updatedAt', q: 'example.com' })).toEqual(expected('updatedAt', withEmail));
  });

  it('refuses an unknown sort and a cursor of another sort, naming the parameter', async () => {
    const bad = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { sort: 'password' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: any) => e.field)).toContain('sort');

    const first = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { sort: 'email', limit: '2' } });
    const cursor = first.json().nextCursor;
    expect(cursor).toEqual(expect.any(String));
    for (const sort of ['name', 'createdAt', '-email']) {
      const res = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { sort, cursor } });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'cursor', code: 'invalid_cursor' })]);
    }
  });
});
