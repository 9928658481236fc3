/**
 * Thanx dialect (seed 001_a73e1c8b68d4e53f.txt): the seed's own request replayed against Roster, its tokens used,
 * the known-email brand join, validation, auth, and the race of one new email posted many times at once.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { createBrand, createUser, listEvents } from '../helpers/users.ts';

type Res = Awaited<ReturnType<TestApp['call']>>;

const golden = (name: string) => JSON.parse(readFileSync(new URL(`./golden/thanx/${name}.json`, import.meta.url), 'utf8'));
const SEED_REQUEST = golden('create-user.request');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
const isUuid = (v: unknown) => typeof v === 'string' && UUID.test(v);

/** Values that differ per run: checked by JSON type and format, everything else by value. */
const OPAQUE: Record<string, (v: unknown) => boolean> = {
  'user.id': isUuid,
  'authorization.created_at': (v) => Number.isInteger(v) && Math.abs((v as number) - Date.now() / 1000) < 120,
  'authorization.access_token': nonEmpty,
  'authorization.refresh_token': nonEmpty,
  'error.request_id': isUuid,
};

/** Same field names and JSON types as the golden body; same values where they are deterministic. */
function expectShape(actual: unknown, expected: unknown, path = ''): void {
  const check = OPAQUE[path];
  if (check) {
    expect(typeof actual, path).toBe(typeof expected);
    expect(check(actual), `${path}: ${String(actual)}`).toBe(true);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    for (const [i, item] of expected.entries()) expectShape((actual as unknown[])[i], item, `${path}[${i}]`);
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object' && !Array.isArray(actual), path).toBe(true);
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      expectShape((actual as Record<string, unknown>)[key], value, path ? `${path}.${key}` : key);
    }
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** A Thanx error: the envelope, and nothing else. */
function expectThanxError(res: Res, status: number, code: string, fields?: string[]): any {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code, message: expect.any(String), request_id: expect.stringMatching(UUID) });
  if (fields) expect(body.error.fields.map((f: { field: string }) => f.field)).toEqual(fields);
  return body;
}

let t: TestApp;
let tenant: TestTenant;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

/** Thanx's $STANDARD_HEADERS: the key as a bearer token, plus the version and client id headers it always sends. */
function standardHeaders(key: string): Record<string, string> {
  return {
    authorization: `Bearer ${key}`,
    'accept-version': 'v4.0',
    'x-clientid': 'roster-test-client',
    'content-type': 'application/json',
  };
}

function postUser(key: string, payload: unknown, url = '/users/'): Promise<Res> {
  return t.call({ method: 'POST', url, headers: standardHeaders(key), payload: payload as Record<string, unknown> });
}

function newEmail(): string {
  return `thanx${seq++}-${Date.now().toString(36)}@example.com`;
}

function seedUser(email: string, extra: Record<string, unknown> = {}): { user: Record<string, unknown> } {
  return { user: { ...SEED_REQUEST.user, email, phone: undefined, ...extra } };
}

async function brandKey(tn: TestTenant, slug: string): Promise<string> {
  await createBrand(t, tn, slug);
  return createKey(t, tn.id, { name: `${slug} key`, brand: slug });
}

describe('POST /users (seed example)', () => {
  it('replays the seed request: 201 with the documented user and authorization', async () => {
    const tn = await createTenant(t);
    const res = await postUser(tn.key, SEED_REQUEST);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expectShape(res.json(), golden('create-user.response'));

    const native = await t.call({ method: 'GET', url: `/v1/users/${res.json().user.id}`, headers: tn.auth });
    expect(native.json()).toMatchObject({
      email: 'jane.smith@example.com',
      phone: '+14158672345',
      firstName: 'Jane',
      lastName: 'Smith',
      birthDate: '1987-08-14',
      gender: 'other',
      postalCode: '12345',
    });
  });

  it('serves /users without the trailing slash too; absent optional fields come back null', async () => {
    const email = newEmail();
    const res = await postUser(tenant.key, { user: { email, first_name: 'Ann', last_name: 'Lee' } }, '/users');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().user).toEqual({
      id: expect.stringMatching(UUID),
      email,
      phone: null,
      first_name: 'Ann',
      last_name: 'Lee',
      birth_date: null,
      gender: null,
      zip_code: null,
    });
  });

  it('hands back real tokens: the access token works on /v1/me, the refresh token on /v1/sessions/refresh', async () => {
    const res = await postUser(tenant.key, seedUser(newEmail()));
    expect(res.statusCode, res.body).toBe(201);
    const { user, authorization } = res.json();

    const me = await t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${authorization.access_token}` } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json()).toMatchObject({ id: user.id, email: user.email });

    const refreshed = await t.call({
      method: 'POST',
      url: '/v1/sessions/refresh',
      headers: tenant.auth,
      payload: { refreshToken: authorization.refresh_token },
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json()).toMatchObject({ scope: 'passwordless', accessToken: expect.any(String) });

    const sessions = await t.call({ method: 'GET', url: `/v1/users/${user.id}/sessions`, headers: tenant.auth });
    expect(sessions.json().data).toEqual([expect.objectContaining({ method: 'passwordless', userAgent: 'lightMyRequest' })]);
  });

  it('writes the same events as the native API', async () => {
    const res = await postUser(tenant.key, seedUser(newEmail()));
    const id = res.json().user.id;
    const events = await listEvents(t, tenant, { userId: id });
    expect(events.map((e) => e.type)).toEqual(['user.created', 'session.created']);
    expect(events[1].data).toMatchObject({ method: 'passwordless' });
  });

  it('a brand-bound key makes the new user a member of its brand', async () => {
    const tn = await createTenant(t);
    const key = await brandKey(tn, 'thanx-deli');
    const res = await postUser(key, seedUser(newEmail()));
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().user.id;
    const native = await t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tn.auth });
    expect(native.json().brands).toEqual([{ slug: 'thanx-deli', joinedAt: expect.any(String) }]);
    expect((await listEvents(t, tn, { userId: id })).map((e) => e.type)).toEqual(['user.created', 'user.brand_joined', 'session.created']);
  });

  it('keeps tenants apart: the same email is new in another tenant', async () => {
    const email = newEmail();
    expect((await postUser(tenant.key, seedUser(email))).statusCode).toBe(201);
    const other = await createTenant(t);
    expect((await postUser(other.key, seedUser(email))).statusCode).toBe(201);
  });
});

describe('POST /users with a known email', () => {
  it('joins the user to the key’s brand, then answers 409 user_email_taken (a minimal body is enough)', async () => {
    const tn = await createTenant(t);
    const existing = await createUser(t, tn, { email: 'jane.known@example.com', firstName: 'Jane' });
    const key = await brandKey(tn, 'thanx-cafe');

    const res = await postUser(key, { user: { email: 'Jane.Known@Example.com' } });
    expectThanxError(res, 409, 'user_email_taken', ['email']);
    expectShape(res.json(), golden('existing-email.response'));

    const native = await t.call({ method: 'GET', url: `/v1/users/${existing.id}`, headers: tn.auth });
    expect(native.json().brands).toEqual([{ slug: 'thanx-cafe', joinedAt: expect.any(String) }]);
    expect(native.json().firstName).toBe('Jane');
    const joined = await listEvents(t, tn, { type: 'user.brand_joined', userId: existing.id });
    expect(joined.map((e) => e.data)).toEqual([{ brand: 'thanx-cafe' }]);

    // Again, with a full body: the same answer, no second membership, nothing changed, no session opened.
    expectThanxError(await postUser(key, seedUser('jane.known@example.com')), 409, 'user_email_taken');
    expect(await listEvents(t, tn, { type: 'user.brand_joined', userId: existing.id })).toHaveLength(1);
    expect((await listEvents(t, tn, { userId: existing.id })).map((e) => e.type)).toEqual(['user.created', 'user.brand_joined']);
  });

  it('a key without a brand gets the same 409 and joins nothing', async () => {
    const email = newEmail();
    const existing = await createUser(t, tenant, { email });
    const res = await postUser(tenant.key, { user: { email } });
    const body = expectThanxError(res, 409, 'user_email_taken', ['email']);
    expect(body.error.message).toBe('A user with this email already exists');
    expect((await listEvents(t, tenant, { userId: existing.id })).map((e) => e.type)).toEqual(['user.created']);
  });

  it('a deactivated user still joins the brand and gets the 409', async () => {
    const tn = await createTenant(t);
    const existing = await createUser(t, tn, { email: 'gone.away@example.com' });
    await t.call({ method: 'POST', url: `/v1/users/${existing.id}/deactivate`, headers: tn.auth });
    const key = await brandKey(tn, 'thanx-pub');
    expectThanxError(await postUser(key, { user: { email: 'gone.away@example.com' } }), 409, 'user_email_taken');
    const native = await t.call({ method: 'GET', url: `/v1/users/${existing.id}`, headers: tn.auth });
    expect(native.json()).toMatchObject({ status: 'deactivated', brands: [{ slug: 'thanx-pub' }] });
  });

  it('a user created through Thanx is known on the second post', async () => {
    const email = newEmail();
    expect((await postUser(tenant.key, seedUser(email))).statusCode).toBe(201);
    expectThanxError(await postUser(tenant.key, seedUser(email)), 409, 'user_email_taken');
  });

  it('invalid fields are refused before any join', async () => {
    const tn = await createTenant(t);
    const existing = await createUser(t, tn, { email: 'bad.fields@example.com' });
    const key = await brandKey(tn, 'thanx-bar');
    const res = await postUser(key, { user: { email: 'bad.fields@example.com', birth_date: { year: 1990, month: 2, day: 30 } } });
    expectThanxError(res, 422, 'validation_failed', ['birth_date']);
    expect(await listEvents(t, tn, { type: 'user.brand_joined', userId: existing.id })).toEqual([]);
  });

  it('30 parallel posts of one new user: exactly one 201 and one user, the others 409', async () => {
    const tn = await createTenant(t);
    const key = await brandKey(tn, 'thanx-race');
    const email = newEmail();
    const results = await Promise.all(Array.from({ length: 30 }, () => postUser(key, seedUser(email))));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(
      statuses.filter((s) => s === 201),
      results.map((r) => r.body).join('\n'),
    ).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(29);
    for (const r of results.filter((r) => r.statusCode === 409)) expectThanxError(r, 409, 'user_email_taken');

    const list = await t.call({ method: 'GET', url: '/v1/users', headers: tn.auth, query: { email } });
    expect(list.json().data).toHaveLength(1);
    const id = list.json().data[0].id;
    expect(results.find((r) => r.statusCode === 201)?.json().user.id).toBe(id);
    expect(list.json().data[0].brands).toEqual([{ slug: 'thanx-race', joinedAt: expect.any(String) }]);
    expect((await listEvents(t, tn, { userId: id })).map((e) => e.type)).toEqual(['user.created', 'user.brand_joined', 'session.created']);
  });
});

describe('POST /users validation', () => {
  it('an unknown email without names: 422 naming first_name and last_name, no user', async () => {
    const email = newEmail();
    const res = await postUser(tenant.key, { user: { email } });
    expectThanxError(res, 422, 'validation_failed', ['first_name', 'last_name']);
    expectShape(res.json(), golden('missing-names.response'));
    expectThanxError(await postUser(tenant.key, { user: { email, first_name: ' ', last_name: 'Lee' } }), 422, 'validation_failed', [
      'first_name',
    ]);
    const list = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { email } });
    expect(list.json().data).toEqual([]);
  });

  it.each([
    ['Feb 30', { birth_date: { year: 1990, month: 2, day: 30 } }, ['birth_date']],
    ['month 13', { birth_date: { year: 1990, month: 13, day: 1 } }, ['birth_date']],
    ['a future birth date', { birth_date: { year: 2999, month: 1, day: 1 } }, ['birth_date']],
    ['a string birth date', { birth_date: '1987-08-14' }, ['birth_date']],
    ['a birth date without day', { birth_date: { year: 1987, month: 8 } }, ['birth_date.day']],
    ['a national phone', { phone: '4158672345' }, ['phone']],
    ['a spaced phone', { phone: '+1 415 867 2345' }, ['phone']],
    ['an impossible phone', { phone: '+10000000000' }, ['phone']],
    ['an unknown gender', { gender: 'robot' }, ['gender']],
    ['a bad email', { email: 'not-an-email' }, ['email']],
    ['a numeric zip', { zip_code: 12345 }, ['zip_code']],
    ['several bad fields', { phone: '123', gender: 'x', birth_date: { year: 1990, month: 2, day: 30 } }, ['phone', 'birth_date', 'gender']],
  ])('%s → 422 naming the field', async (_name, fields, names) => {
    const res = await postUser(tenant.key, seedUser(newEmail(), fields));
    expectThanxError(res, 422, 'validation_failed', names);
  });

  it('a body without the user hash, or with a bad one → 422 naming user / email', async () => {
    expectThanxError(await postUser(tenant.key, { email: newEmail() }), 422, 'validation_failed', ['user']);
    expectThanxError(await postUser(tenant.key, { user: 'jane' }), 422, 'validation_failed', ['user']);
    expectThanxError(await postUser(tenant.key, { user: {} }), 422, 'validation_failed', ['email']);
  });

  it('ignores unknown fields, as Thanx drops unpermitted parameters', async () => {
    const res = await postUser(tenant.key, seedUser(newEmail(), { favourite_store: 'north', password: 'x' }));
    expect(res.statusCode, res.body).toBe(201);
  });

  it('a phone that belongs to another user → 409 user_phone_taken', async () => {
    await createUser(t, tenant, { email: newEmail(), phone: '+14155550188' });
    const res = await postUser(tenant.key, seedUser(newEmail(), { phone: '+14155550188' }));
    expectThanxError(res, 409, 'user_phone_taken', ['phone']);
  });

  it('bad JSON → 400, a text body → 415, a body over 1 MiB → 413, all in the Thanx envelope', async () => {
    const bad = await t.call({ method: 'POST', url: '/users/', headers: standardHeaders(tenant.key), payload: '{"user": {' });
    expectThanxError(bad, 400, 'malformed_json');
    const text = await t.call({
      method: 'POST',
      url: '/users/',
      headers: { ...standardHeaders(tenant.key), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectThanxError(text, 415, 'unsupported_media_type');
    const huge = await postUser(tenant.key, seedUser(newEmail(), { zip_code: 'x'.repeat(1024 * 1024) }));
    expectThanxError(huge, 413, 'payload_too_large');
  });
});

describe('auth and routing', () => {
  it('no key → 401 auth_required; a bad key → 401 api_key_invalid', async () => {
    const none = await t.call({ method: 'POST', url: '/users/', payload: SEED_REQUEST });
    expectThanxError(none, 401, 'auth_required');
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expectShape(none.json(), golden('unauthorized.response'));
    expectThanxError(await postUser('x'.repeat(64), SEED_REQUEST), 401, 'api_key_invalid');
    expectThanxError(await postUser('', SEED_REQUEST), 401, 'auth_required');
  });

  it('checks the key before the body', async () => {
    const res = await t.call({ method: 'POST', url: '/users/', headers: { 'content-type': 'application/json' }, payload: '{' });
    expectThanxError(res, 401, 'auth_required');
  });

  it('a key without users:write or sessions:write → 403 scope_missing, nothing created', async () => {
    const email = newEmail();
    for (const scopes of [['users:write'], ['sessions:write', 'users:read']]) {
      const key = await createKey(t, tenant.id, { name: 'narrow', scopes });
      expectThanxError(await postUser(key, seedUser(email)), 403, 'scope_missing');
    }
    const list = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { email } });
    expect(list.json().data).toEqual([]);
  });

  it('other methods on /users → 405 with Allow: POST in the Thanx envelope', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      for (const url of ['/users', '/users/']) {
        const res = await t.call({ method, url, headers: standardHeaders(tenant.key) });
        expectThanxError(res, 405, 'method_not_allowed');
        expect(res.headers.allow).toBe('POST');
      }
    }
  });
});
