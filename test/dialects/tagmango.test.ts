/**
 * The TagMango dialect (seed 000_c2b9e00bed641a8e.txt): the document's examples replayed against golden files,
 * then the rules it states or implies (tenant by host, create-or-find, lookups, refresh tokens, envelope).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { createUser, listEvents } from '../helpers/users.ts';

type Res = Awaited<ReturnType<TestApp['call']>>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Golden {
  request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: Json };
  status: number;
  body: Json;
}

const USERS = '/api/v1/external/users';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let hostCounter = 0;

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp(process.env.ROSTER_TEST_LOG ? { config: { logLevel: 'error' }, logStream: process.stderr } : {});
});
afterAll(() => t.close());

/** A unique dashboard host for a test tenant. */
function newHost(): string {
  return `creator-${process.pid}-${Date.now().toString(36)}-${(hostCounter++).toString(36)}.tagmango.test`;
}

interface MangoTenant extends TestTenant {
  host: string;
}

async function mangoTenant(app: TestApp, body: Record<string, unknown> = {}): Promise<MangoTenant> {
  const host = newHost();
  const tenant = await createTenant(app, { hosts: [host], defaultCountry: 'IN', ...body });
  return { ...tenant, host };
}

function headersOf(tenant: MangoTenant): Record<string, string> {
  return { ...tenant.auth, 'x-whitelabel-host': tenant.host };
}

function post(tenant: MangoTenant, payload: unknown, app: TestApp = t): Promise<Res> {
  return app.call({ method: 'POST', url: USERS, headers: headersOf(tenant), payload: payload as Record<string, unknown> });
}

function lookup(tenant: MangoTenant, query: Record<string, string>): Promise<Res> {
  return t.call({ method: 'GET', url: USERS, headers: headersOf(tenant), query });
}

function me(tenant: MangoTenant, query: Record<string, string>, headers: Record<string, string> = {}, app: TestApp = t): Promise<Res> {
  return app.call({ method: 'GET', url: `${USERS}/me`, headers: { ...headersOf(tenant), ...headers }, query });
}

/** The tenant's user events (its tenant and key events left out). */
async function userEvents(tenant: TestTenant): Promise<unknown[]> {
  return (await listEvents(t, tenant)).filter((e) => String(e.type).startsWith('user.'));
}

/** Asserts TagMango's error envelope with this status and returns it. */
function expectMangoError(res: Res, status: number, statusMessage: string): { message: string } {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'statusMessage', 'success', 'type']);
  expect(body).toMatchObject({ code: status, statusMessage, success: false });
  expect(typeof body.type).toBe('string');
  expect(typeof body.message).toBe('string');
  return body;
}

/**
 * Compares an answer with a golden body: the same field names, the same JSON types, and the same values except
 * where the golden holds a placeholder (`<uuid>`: a UUID, `<string>`: any string).
 */
function expectGolden(actual: unknown, golden: Json, path = '$'): void {
  if (typeof golden === 'string' && /^<[a-zA-Z]+>$/.test(golden)) {
    expect(typeof actual, path).toBe('string');
    if (golden === '<uuid>') expect(actual, path).toMatch(UUID);
    return;
  }
  if (golden === null || typeof golden !== 'object') {
    expect(actual, path).toStrictEqual(golden);
    return;
  }
  if (Array.isArray(golden)) {
    expect(Array.isArray(actual), path).toBe(true);
    const list = actual as unknown[];
    expect(list.length, path).toBe(golden.length);
    for (const [i, item] of golden.entries()) expectGolden(list[i], item, `${path}[${i}]`);
    return;
  }
  expect(typeof actual === 'object' && actual !== null && !Array.isArray(actual), path).toBe(true);
  const record = actual as Record<string, unknown>;
  expect(Object.keys(record).sort(), path).toEqual(Object.keys(golden).sort());
  for (const [key, value] of Object.entries(golden)) expectGolden(record[key], value, `${path}.${key}`);
}

function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(new URL(`./golden/tagmango/${name}.json`, import.meta.url), 'utf8'));
}

/** Replays a golden request with the placeholders filled in, the tenant key added, and checks the answer. */
async function replay(name: string, tenant: MangoTenant, vars: Record<string, string> = {}): Promise<Res> {
  const golden = loadGolden(name);
  const fill = (text: string) => text.replace(/<([a-zA-Z]+)>/g, (all, key: string) => (key === 'host' ? tenant.host : (vars[key] ?? all)));
  const headers: Record<string, string> = { ...tenant.auth };
  for (const [key, value] of Object.entries(golden.request.headers)) headers[key] = fill(value);
  const res = await t.call({
    method: golden.request.method,
    url: fill(golden.request.url),
    headers,
    ...(golden.request.body !== undefined ? { payload: JSON.stringify(golden.request.body) } : {}),
  });
  expect(res.statusCode, `${name}: ${res.body}`).toBe(golden.status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expectGolden(res.json(), golden.body);
  return res;
}

describe('TagMango: the document’s examples replayed', () => {
  it('create-or-find, lookup and token examples answer the documented status, fields and types', async () => {
    // The documented response shows currency USD for an Indian user: the tenant's configured currency.
    const tenant = await mangoTenant(t, { currency: 'USD' });
    const created = (await replay('create-or-find.created', tenant)).json();
    const found = (await replay('create-or-find.found', tenant)).json();
    expect(found._id).toBe(created._id);
    await replay('create-or-find.400', tenant);
    await replay('create-or-find.401', tenant);

    expect((await replay('get-by-email-or-phone', tenant)).json()._id).toBe(created._id);
    await post(tenant, { phone: '9123456789' });
    await replay('get-by-email-or-phone.404', tenant);

    const session = await t.call({ method: 'POST', url: `/v1/users/${created._id}/sessions`, headers: tenant.auth });
    expect(session.statusCode, session.body).toBe(201);
    const { refreshToken } = session.json();
    expect((await replay('get-by-token', tenant, { refreshToken })).json()._id).toBe(created._id);
    const logout = await t.call({ method: 'POST', url: `/v1/users/${created._id}/logout`, headers: tenant.auth });
    expect(logout.statusCode, logout.body).toBe(200);
    await replay('get-by-token.401', tenant, { revokedRefreshToken: refreshToken });
  });
});

describe('TagMango: create or find', () => {
  it('creates once, then finds by email or by phone (isNew false), writing one user.created event', async () => {
    const tenant = await mangoTenant(t);
    const first = await post(tenant, { email: 'Asha@Example.com', phone: 9876543210, name: 'Asha' });
    expect(first.statusCode, first.body).toBe(200);
    const user = first.json();
    expect(user).toMatchObject({ email: 'asha@example.com', phone: 9876543210, name: 'Asha', isNew: true });

    const byEmail = (await post(tenant, { email: 'asha@example.com', name: 'Someone else' })).json();
    expect(byEmail).toMatchObject({ _id: user._id, name: 'Asha', isNew: false });
    const byPhone = (await post(tenant, { phone: '+919876543210' })).json();
    expect(byPhone).toMatchObject({ _id: user._id, isNew: false });

    const events = await listEvents(t, tenant, { userId: user._id });
    expect(events.map((e) => e.type)).toEqual(['user.created']);
    expect(events[0].changes).toMatchObject({ email: { after: 'asha@example.com' }, phone: { after: '+919876543210' } });
  });

  it('writes the same user and event as the native find-or-create', async () => {
    const tenant = await mangoTenant(t);
    const mango = (await post(tenant, { email: 'same@example.com', phone: '9876543210', name: 'Same', country: 'IN' })).json();
    const native = await t.call({ method: 'GET', url: `/v1/users/${mango._id}`, headers: tenant.auth });
    expect(native.json()).toMatchObject({ email: 'same@example.com', phone: '+919876543210', name: 'Same', country: 'IN' });

    const other = await mangoTenant(t);
    const res = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: other.auth,
      payload: { email: 'same@example.com', phone: '9876543210', name: 'Same', country: 'IN' },
    });
    const [mangoEvent] = await listEvents(t, tenant, { type: 'user.created' });
    const [nativeEvent] = await listEvents(t, other, { type: 'user.created' });
    expect(res.json().user.id).toBe(nativeEvent.userId);
    expect(mangoEvent.changes).toEqual(nativeEvent.changes);
  });

  it('reads the phone as a number or a string, in national digits with country, else the tenant’s default', async () => {
    const tenant = await mangoTenant(t);
    const asNumber = (await post(tenant, { phone: 9876543210 })).json();
    expect(asNumber).toMatchObject({ phone: 9876543210, dialCode: '+91', country: 'India', isNew: true });
    const asString = (await post(tenant, { phone: '98765 43210' })).json();
    expect(asString).toMatchObject({ _id: asNumber._id, isNew: false });

    const american = (await post(tenant, { phone: 2015550123, country: 'US' })).json();
    expect(american).toMatchObject({ phone: 2015550123, dialCode: '+1', country: 'United States', currency: 'USD', isNew: true });
    const byName = (await post(tenant, { phone: '2015550123', country: 'United States' })).json();
    expect(byName).toMatchObject({ _id: american._id, isNew: false });
    const stored = (await t.call({ method: 'GET', url: `/v1/users/${american._id}`, headers: tenant.auth })).json();
    expect(stored.phone).toBe('+12015550123');
  });

  it('answers currency from the tenant when configured, else from the user’s country', async () => {
    const plain = await mangoTenant(t);
    expect((await post(plain, { email: 'in@example.com', country: 'IN' })).json()).toMatchObject({ country: 'India', currency: 'INR' });
    expect((await post(plain, { email: 'gb@example.com', country: 'GB' })).json()).toMatchObject({
      country: 'United Kingdom',
      currency: 'GBP',
      dialCode: '+44',
      phone: null,
    });
    // No country and no phone: the tenant's default country.
    expect((await post(plain, { email: 'none@example.com' })).json()).toMatchObject({ country: 'India', currency: 'INR', name: null });

    const usd = await mangoTenant(t, { currency: 'USD' });
    expect((await post(usd, { email: 'gb@example.com', country: 'GB' })).json()).toMatchObject({
      country: 'United Kingdom',
      currency: 'USD',
    });
  });

  it('needs an email or a phone; bad values are a 400 in the envelope', async () => {
    const tenant = await mangoTenant(t);
    for (const body of [{}, { name: 'Nobody' }, { email: '', phone: '' }, { email: null, phone: null }]) {
      expectMangoError(await post(tenant, body), 400, 'BAD_REQUEST');
    }
    for (const body of [
      { email: 'not-an-email' },
      { phone: '12' },
      { phone: -5 },
      { phone: 98.5 },
      { phone: true },
      { email: 42 },
      { email: 'ok@example.com', country: 'Atlantis' },
      [],
      'text',
    ]) {
      const error = expectMangoError(await post(tenant, body), 400, 'BAD_REQUEST');
      expect(error.message).toMatch(/^Invalid request: /);
    }
    expect(await userEvents(tenant)).toEqual([]);
  });

  it('email of one user and phone of another → 409 in the envelope', async () => {
    const tenant = await mangoTenant(t);
    await post(tenant, { email: 'a@example.com' });
    await post(tenant, { phone: 9876543210 });
    expectMangoError(await post(tenant, { email: 'a@example.com', phone: 9876543210 }), 409, 'CONFLICT');
  });

  it('30 parallel requests for one email → one user, every answer naming it, exactly one isNew', async () => {
    const tenant = await mangoTenant(t);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(tenant, { email: 'race@example.com', name: `Racer ${i}` })),
    );
    for (const res of answers) expect(res.statusCode, res.body).toBe(200);
    const ids = new Set(answers.map((res) => res.json()._id));
    expect(ids.size).toBe(1);
    expect(answers.filter((res) => res.json().isNew === true)).toHaveLength(1);
    const list = await t.call({
      method: 'GET',
      url: '/v1/users',
      headers: tenant.auth,
      query: { email: 'race@example.com', count: 'true' },
    });
    expect(list.json().total).toBe(1);
    expect(await listEvents(t, tenant, { type: 'user.created' })).toHaveLength(1);
  });
});

describe('TagMango: tenant by x-whitelabel-host and key', () => {
  it('the key and the host must name the same tenant', async () => {
    const a = await mangoTenant(t);
    const b = await mangoTenant(t);
    const body = { email: 'who@example.com' };
    const send = (headers: Record<string, string>) => t.call({ method: 'POST', url: USERS, headers, payload: body });

    expectMangoError(await send({ 'x-whitelabel-host': a.host }), 401, 'UNAUTHORIZED');
    expectMangoError(await send({ 'x-whitelabel-host': a.host, authorization: `Bearer ${'x'.repeat(64)}` }), 401, 'UNAUTHORIZED');
    expectMangoError(await send({ 'x-whitelabel-host': a.host, authorization: 'Basic abc' }), 401, 'UNAUTHORIZED');
    // Missing host header: the document marks it required.
    expectMangoError(await send({ ...a.auth }), 400, 'BAD_REQUEST');
    expectMangoError(await send({ ...a.auth, 'x-whitelabel-host': '  ' }), 400, 'BAD_REQUEST');
    // A host nobody has, the host of another tenant, a key of another tenant.
    const unknown = expectMangoError(await send({ ...a.auth, 'x-whitelabel-host': 'nobody.tagmango.test' }), 401, 'UNAUTHORIZED');
    expect(unknown.message).toBe('Invalid token');
    expectMangoError(await send({ ...a.auth, 'x-whitelabel-host': b.host }), 401, 'UNAUTHORIZED');
    expectMangoError(await send({ ...b.auth, 'x-whitelabel-host': a.host }), 401, 'UNAUTHORIZED');
    expect(await userEvents(a)).toEqual([]);
    expect(await userEvents(b)).toEqual([]);

    // Host names compare case-insensitively, as DNS does; `Token <key>` is accepted like Bearer.
    const ok = await send({ authorization: `Token ${a.key}`, 'x-whitelabel-host': ` ${a.host.toUpperCase()} ` });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['www-authenticate']).toBeUndefined();
  });

  it('a host moved to another tenant follows at once in this process', async () => {
    const a = await mangoTenant(t);
    const b = await mangoTenant(t);
    expect((await post(a, { email: 'x@example.com' })).statusCode).toBe(200);
    const moved = newHost();
    const admin = adminAuth();
    expect(
      (await t.call({ method: 'PATCH', url: `/v1/admin/tenants/${a.id}`, headers: admin, payload: { hosts: [moved] } })).statusCode,
    ).toBe(200);
    expectMangoError(await post(a, { email: 'x@example.com' }), 401, 'UNAUTHORIZED');
    expect(
      (await t.call({ method: 'PATCH', url: `/v1/admin/tenants/${b.id}`, headers: admin, payload: { hosts: [a.host] } })).statusCode,
    ).toBe(200);
    expect((await post({ ...b, host: a.host }, { email: 'x@example.com' })).json()).toMatchObject({ isNew: true });
  });

  it('a key without the scope → 403 in the envelope', async () => {
    const tenant = await mangoTenant(t);
    const reader = await createKey(t, tenant.id, { name: 'reader', scopes: ['users:read'] });
    const res = await t.call({
      method: 'POST',
      url: USERS,
      headers: { authorization: `Bearer ${reader}`, 'x-whitelabel-host': tenant.host },
      payload: { email: 'r@example.com' },
    });
    expectMangoError(res, 403, 'FORBIDDEN');
  });
});

describe('TagMango: get user by email or phone', () => {
  it('finds by email, by phone (national or international), by both when one user holds them', async () => {
    const tenant = await mangoTenant(t, { currency: 'USD' });
    const user = await createUser(t, tenant, { email: 'find@example.com', phone: '+919876543210', name: 'Find Me', country: 'IN' });
    const expected = {
      _id: user.id,
      name: 'Find Me',
      email: 'find@example.com',
      phone: 9876543210,
      country: 'India',
      dialCode: '+91',
      currency: 'USD',
    };
    const queries: Record<string, string>[] = [
      { email: 'FIND@example.com' },
      { phone: '9876543210' },
      { phone: '+919876543210' },
      { phone: '9876543210', country: 'IN' },
      { email: 'find@example.com', phone: '9876543210' },
      { email: 'find@example.com', phone: '' },
    ];
    for (const query of queries) {
      const res = await lookup(tenant, query);
      expect(res.statusCode, `${JSON.stringify(query)}: ${res.body}`).toBe(200);
      expect(res.json()).toStrictEqual(expected);
    }
  });

  it('both given but held by different users, unknown, or another tenant’s → 404; none → 400', async () => {
    const tenant = await mangoTenant(t);
    await createUser(t, tenant, { email: 'one@example.com' });
    await createUser(t, tenant, { phone: '+919876543210' });
    expectMangoError(await lookup(tenant, { email: 'one@example.com', phone: '9876543210' }), 404, 'NOT_FOUND');
    expectMangoError(await lookup(tenant, { email: 'two@example.com' }), 404, 'NOT_FOUND');
    expectMangoError(await lookup(await mangoTenant(t), { email: 'one@example.com' }), 404, 'NOT_FOUND');
    expectMangoError(await lookup(tenant, {}), 400, 'BAD_REQUEST');
    expectMangoError(await lookup(tenant, { email: '', phone: '' }), 400, 'BAD_REQUEST');
    expectMangoError(await lookup(tenant, { email: 'nope' }), 400, 'BAD_REQUEST');
    expectMangoError(await lookup(tenant, { phone: '12' }), 400, 'BAD_REQUEST');
    expectMangoError(await lookup(tenant, { phone: '2015550123', country: 'Atlantis' }), 400, 'BAD_REQUEST');
    expectMangoError(await lookup(tenant, { phone: '12', country: 'US' }), 400, 'BAD_REQUEST');
  });
});

describe('TagMango: get authenticated user by token', () => {
  async function signedIn(tenant: MangoTenant, app: TestApp = t): Promise<{ userId: string; refreshToken: string }> {
    const user = (await post(tenant, { email: `s-${hostCounter++}@example.com`, name: 'Signed In' }, app)).json();
    const res = await app.call({ method: 'POST', url: `/v1/users/${user._id}/sessions`, headers: tenant.auth });
    expect(res.statusCode, res.body).toBe(201);
    return { userId: user._id, refreshToken: res.json().refreshToken };
  }

  it('answers the user for ?refreshToken= or the x-refresh-token header, without using the token', async () => {
    const tenant = await mangoTenant(t);
    const { userId, refreshToken } = await signedIn(tenant);
    const byQuery = await me(tenant, { refreshToken });
    expect(byQuery.statusCode, byQuery.body).toBe(200);
    expect(byQuery.json()).toMatchObject({ _id: userId, name: 'Signed In', country: 'India' });
    expect(byQuery.json()).not.toHaveProperty('isNew');
    expect((await me(tenant, {}, { 'x-refresh-token': refreshToken })).json()._id).toBe(userId);
    expect((await me(tenant, { refreshToken }, { 'x-refresh-token': refreshToken })).statusCode).toBe(200);
    // Still usable afterwards: reading it did not rotate it.
    const rotate = await t.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tenant.auth, payload: { refreshToken } });
    expect(rotate.statusCode, rotate.body).toBe(200);
  });

  it('rotated, revoked, other-tenant and garbage tokens → 401; no token or two different ones → 400', async () => {
    const tenant = await mangoTenant(t);
    const rotated = await signedIn(tenant);
    const rotation = await t.call({
      method: 'POST',
      url: '/v1/sessions/refresh',
      headers: tenant.auth,
      payload: { refreshToken: rotated.refreshToken },
    });
    expect(rotation.statusCode).toBe(200);
    expectMangoError(await me(tenant, { refreshToken: rotated.refreshToken }), 401, 'UNAUTHORIZED');

    const revoked = await signedIn(tenant);
    await t.call({ method: 'POST', url: `/v1/users/${revoked.userId}/logout`, headers: tenant.auth });
    expectMangoError(await me(tenant, { refreshToken: revoked.refreshToken }), 401, 'UNAUTHORIZED');

    const deactivated = await signedIn(tenant);
    await t.call({ method: 'POST', url: `/v1/users/${deactivated.userId}/deactivate`, headers: tenant.auth });
    expectMangoError(await me(tenant, { refreshToken: deactivated.refreshToken }), 401, 'UNAUTHORIZED');

    const other = await mangoTenant(t);
    const foreign = await signedIn(other);
    expectMangoError(await me(tenant, { refreshToken: foreign.refreshToken }), 401, 'UNAUTHORIZED');
    expectMangoError(await me(tenant, { refreshToken: 'garbage' }), 401, 'UNAUTHORIZED');
    expectMangoError(await me(tenant, {}, { 'x-refresh-token': 'A'.repeat(43) }), 401, 'UNAUTHORIZED');

    expectMangoError(await me(tenant, {}), 400, 'BAD_REQUEST');
    const live = await signedIn(tenant);
    expectMangoError(
      await me(tenant, { refreshToken: live.refreshToken }, { 'x-refresh-token': foreign.refreshToken }),
      400,
      'BAD_REQUEST',
    );
  });

  it('expired tokens → 401', async () => {
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    const timed = await createTestApp({
      clock,
      config: {
        tokens: { issuer: 'roster', audience: 'roster', accessTokenSeconds: 60, refreshTokenSeconds: 3600, refreshIdleSeconds: 600 },
      },
    });
    try {
      const tenant = await mangoTenant(timed);
      const { refreshToken } = await signedIn(tenant, timed);
      expect((await me(tenant, { refreshToken }, {}, timed)).statusCode).toBe(200);
      clock.advance(601_000);
      expectMangoError(await me(tenant, { refreshToken }, {}, timed), 401, 'UNAUTHORIZED');
    } finally {
      await timed.close();
    }
  });
});

describe('TagMango: the envelope everywhere under /api/v1/external', () => {
  it('unknown paths → 404; other methods → 405 with Allow; malformed JSON, other media types → 400', async () => {
    const tenant = await mangoTenant(t);
    expectMangoError(await t.call({ method: 'GET', url: '/api/v1/external/nothing', headers: headersOf(tenant) }), 404, 'NOT_FOUND');
    const wrongMethod = await t.call({ method: 'DELETE', url: USERS, headers: headersOf(tenant) });
    expectMangoError(wrongMethod, 405, 'METHOD_NOT_ALLOWED');
    expect(wrongMethod.headers.allow).toBe('GET, HEAD, POST');
    const json = { ...headersOf(tenant), 'content-type': 'application/json' };
    expectMangoError(await t.call({ method: 'POST', url: USERS, headers: json, payload: '{"email":' }), 400, 'BAD_REQUEST');
    expectMangoError(await t.call({ method: 'POST', url: USERS, headers: json, payload: '' }), 400, 'BAD_REQUEST');
    const text = { ...headersOf(tenant), 'content-type': 'text/plain' };
    expectMangoError(await t.call({ method: 'POST', url: USERS, headers: text, payload: 'email=a@example.com' }), 400, 'BAD_REQUEST');
    const big = await post(tenant, { email: 'big@example.com', name: 'x'.repeat(2 * 1024 * 1024) });
    expectMangoError(big, 400, 'BAD_REQUEST');
  });

  it('the native API is unaffected (problem+json at /v1)', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/users/lookup', query: { email: 'a@example.com' } });
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  });
});
