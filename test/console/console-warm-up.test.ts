import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_USERS_QUERY, firstLoadPreloads } from '../../src/console/console.ts';
import { entryAssets } from '../../src/console/console-warm-up.ts';
import { lazyValidators } from '../../src/http/validation.ts';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../helpers/app.ts';
import { as, consoleSignIn } from '../helpers/console.ts';

const querySchema = { type: 'object', properties: { limit: { type: 'integer', minimum: 1 } }, additionalProperties: false };

describe('lazy validators compiled ahead', () => {
  it('compiles only the routes asked for, once, and validates as before', async () => {
    const validators = lazyValidators();
    const list = validators.compiler({ schema: querySchema, method: 'GET', url: '/a', httpPart: 'querystring' }) as (d: unknown) => {
      value?: unknown;
      error?: Error;
    };
    validators.compiler({ schema: querySchema, method: 'POST', url: '/b', httpPart: 'body' });
    expect(await validators.precompile((route) => route.method === 'GET')).toBe(1);
    // Compiled already: nothing left to do for it.
    expect(await validators.precompile((route) => route.method === 'GET')).toBe(0);
    expect(list({ limit: '5' })).toEqual({ value: { limit: 5 } });
    expect(list({ limit: '0' }).error).toBeInstanceOf(Error);
    // The body route was left for its first request, and compiles then.
    expect(await validators.precompile(() => true)).toBe(1);
  });
});

describe('console first load', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ console: true });
  });
  afterAll(() => t.close());

  it('preloads the users list’s first page and the tenants with a users page, and nothing from other URLs', () => {
    expect(firstLoadPreloads('/console/tenants/acme/users')).toEqual([
      '/console/api/tenants',
      `/console/api/tenants/acme/users?${FIRST_USERS_QUERY}`,
    ]);
    expect(firstLoadPreloads('/console/tenants/acme/users?q=x')).toHaveLength(2);
    expect(firstLoadPreloads('/console/tenants/acme/users/0190')).toEqual([]);
    expect(firstLoadPreloads('/console/tenants/a%3E%2C/users')).toEqual([]);
    expect(firstLoadPreloads('/console/tenants')).toEqual([]);
  });

  it('finds the entry assets of index.html', () => {
    const html =
      '<script type="module" crossorigin src="/console/assets/index-a1.js"></script><link rel="modulepreload" crossorigin href="/console/assets/forms-b2.js"><link rel="preload" href="/console/api/session" as="fetch" crossorigin />';
    expect(entryAssets(html)).toEqual(['/console/assets/index-a1.js', '/console/assets/forms-b2.js']);
  });

  it('warms up without a session or an error, and the console answers as before', async () => {
    await expect(t.app.warmUp()).resolves.toBeUndefined();
    const tenant = await t.registry.tenants.createTenant({ slug: `warm-${Date.now()}`, name: 'Warm' }, { actor: 'cli', requestId: null });
    const session = await consoleSignIn(t, { adminToken: ADMIN_TOKEN });
    const list = await t.call({
      method: 'GET',
      url: `/console/api/tenants/${tenant.id}/users?${FIRST_USERS_QUERY}`,
      headers: as(session, false),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([]);
    const bad = await t.call({ method: 'GET', url: `/console/api/tenants/${tenant.id}/users?limit=0`, headers: as(session, false) });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('limit');
  });
});
