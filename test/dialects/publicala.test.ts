/**
 * The Publica.la dialect (seed 002_7520d3f540b647d4.txt): the document's examples replayed against golden files,
 * then the rules it states or implies (create, list and its filters, paging, update, deactivate, reactivate,
 * force logout, sessions limit and password, Laravel's errors).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { createUser, listEvents } from '../helpers/users.ts';

type Res = Awaited<ReturnType<TestApp['call']>>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Golden {
  request: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; headers: Record<string, string>; body?: Json };
  status: number;
  body: Json;
}

const USERS = '/integration-api/v1/dashboard/users';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PLACEHOLDERS: Record<string, (value: unknown) => boolean> = {
  '<string>': (v) => typeof v === 'string',
  '<uuid>': (v) => typeof v === 'string' && UUID.test(v),
  '<integer>': (v) => Number.isInteger(v),
  '<url>': (v) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v),
  '<date>': (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  '<datetime>': (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v),
  '<laravelTime>': (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(v),
};

/** The seed's create body, made valid JSON (no trailing comma) with a real email instead of "[email protected]". */
const SEED_CREATE = {
  email: 'reader@example.com',
  external_id: 'user-id-in-your-platform',
  new_password: 'Abcd1234',
  sessions_limit: null,
  assign_new_plan: null,
  new_plan_custom_valid_to: '',
  admin: false,
  plan_admin: false,
  only_sees_readable: true,
};

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp(process.env.ROSTER_TEST_LOG ? { config: { logLevel: 'error' }, logStream: process.stderr } : {});
});
afterAll(() => t.close());

/**
 * A tenant that accepts the seed's example password (`Abcd1234` is one of the 10,000 most common) and, like
 * Publica.la, gives users without a picture their Gravatar URL.
 */
function laxTenant(body: Record<string, unknown> = {}): Promise<TestTenant> {
  return createTenant(t, { rejectCommonPasswords: false, gravatarPictures: true, ...body });
}

function call(tenant: TestTenant | null, method: Golden['request']['method'], url: string, payload?: unknown): Promise<Res> {
  return t.call({
    method,
    url,
    headers: tenant ? tenant.auth : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

function create(tenant: TestTenant, body: Record<string, unknown>): Promise<Res> {
  return call(tenant, 'POST', USERS, body);
}

async function created(tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await create(tenant, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

function update(tenant: TestTenant, number: number, body: Record<string, unknown>): Promise<Res> {
  return call(tenant, 'PUT', `${USERS}/${number}`, body);
}

function list(tenant: TestTenant, query = ''): Promise<Res> {
  return call(tenant, 'GET', `${USERS}${query}`);
}

async function nativeUser(tenant: TestTenant, uuid: string): Promise<any> {
  const res = await call(tenant, 'GET', `/v1/users/${uuid}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function signIn(tenant: TestTenant, email: string, password: string): Promise<Res> {
  return call(tenant, 'POST', '/v1/sessions', { email, password });
}

async function liveSessions(tenant: TestTenant, uuid: string): Promise<unknown[]> {
  const res = await call(tenant, 'GET', `/v1/users/${uuid}/sessions`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function createPlan(tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await call(tenant, 'POST', '/v1/plans', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function eventTypes(tenant: TestTenant, userId: string): Promise<string[]> {
  return (await listEvents(t, tenant, { userId })).map((e) => e.type);
}

/** Asserts Laravel's error body with this status and returns it. */
function expectLaravelError(res: Res, status: number): { message: string; errors?: Record<string, string[]> } {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual(status === 422 ? ['errors', 'message'] : ['message']);
  expect(typeof body.message).toBe('string');
  return body;
}

/** The 422's fields, each with its messages. */
function errorsOf(res: Res): Record<string, string[]> {
  return expectLaravelError(res, 422).errors as Record<string, string[]>;
}

/**
 * Compares an answer with a golden body: the same field names, the same JSON types, and the same values except
 * where the golden holds a placeholder (`<uuid>`, `<integer>`, `<url>`, `<laravelTime>`, ...).
 */
function expectGolden(actual: unknown, golden: Json, path = '$'): void {
  if (typeof golden === 'string' && PLACEHOLDERS[golden]) {
    expect(PLACEHOLDERS[golden](actual), `${path}: ${JSON.stringify(actual)} is not ${golden}`).toBe(true);
    return;
  }
  if (golden === null || typeof golden !== 'object') {
    expect(actual, path).toStrictEqual(golden);
    return;
  }
  if (Array.isArray(golden)) {
    expect(Array.isArray(actual), path).toBe(true);
    const items = actual as unknown[];
    expect(items.length, path).toBe(golden.length);
    for (const [i, item] of golden.entries()) expectGolden(items[i], item, `${path}[${i}]`);
    return;
  }
  expect(typeof actual === 'object' && actual !== null && !Array.isArray(actual), path).toBe(true);
  const record = actual as Record<string, unknown>;
  expect(Object.keys(record), path).toEqual(Object.keys(golden));
  for (const [key, value] of Object.entries(golden)) expectGolden(record[key], value, `${path}.${key}`);
}

function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(new URL(`./golden/publicala/${name}.json`, import.meta.url), 'utf8'));
}

/** Replays a golden request with `<var>`s filled in and the tenant key added (unless it sends its own). */
async function replay(name: string, tenant: TestTenant, vars: Record<string, string> = {}): Promise<Res> {
  const golden = loadGolden(name);
  const fill = (text: string) => text.replace(/<([a-zA-Z]+)>/g, (all, key: string) => vars[key] ?? all);
  const headers: Record<string, string> = { ...tenant.auth };
  for (const [key, value] of Object.entries(golden.request.headers)) headers[key] = fill(value);
  const res = await t.call({
    method: golden.request.method,
    url: fill(golden.request.url),
    headers,
    ...(golden.request.body !== undefined ? { payload: JSON.stringify(golden.request.body) } : {}),
  });
  expect(res.statusCode, `${name}: ${res.body}`).toBe(golden.status);
  if (golden.body === null) {
    expect(res.body, name).toBe('');
  } else {
    expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
    expectGolden(res.json(), golden.body);
  }
  return res;
}

describe('Publica.la: the document’s examples replayed', () => {
  it('create, list and its filters, update, deactivate, reactivate and force logout answer as documented', async () => {
    const tenant = await laxTenant();
    const user = (await replay('create', tenant)).json().data;
    const number = String(user.id);
    await replay('update', tenant, { number });
    await replay('list', tenant);
    await replay('list-by-email', tenant);
    const admin = await update(tenant, user.id, {
      external_id: 'user-id-in-your-platform',
      email: 'reader@example.com',
      admin: true,
      only_sees_readable: 1,
    });
    expect(admin.statusCode, admin.body).toBe(204);
    await replay('list-admins', tenant);
    expect((await signIn(tenant, 'reader@example.com', 'Abcd1234')).statusCode).toBe(201);
    expect((await replay('force-logout', tenant, { number })).json().data.revoked).toBe(1);
    await replay('deactivate', tenant, { number });
    await replay('list-deactivated', tenant);
    await replay('reactivate', tenant, { number });
    await replay('deactivate.404', tenant);
    await replay('create.401', tenant, { invalidKey: 'x'.repeat(64) });
  });

  it('the seed’s create example on a tenant with the default password policy is a 422 naming new_password', async () => {
    const tenant = await createTenant(t);
    await replay('create-common-password.422', tenant);
    expect((await list(tenant)).json().data.paginator.total).toBe(0);
  });
});

describe('Publica.la: create', () => {
  it('maps the flags to roles, keeps the password, and writes the native events', async () => {
    const tenant = await laxTenant();
    const user = await created(tenant, { ...SEED_CREATE, admin: true, plan_admin: '1', sessions_limit: 3 });
    expect(user).toMatchObject({ admin: true, plan_admin: true, only_sees_readable: true, sessions_limit: 3, deleted_at: null });
    expect(user.created_at.timestamp).toBe(Math.floor(Date.parse((await nativeUser(tenant, user.uuid)).createdAt) / 1000));
    const native = await nativeUser(tenant, user.uuid);
    expect(native).toMatchObject({
      number: user.id,
      externalId: 'user-id-in-your-platform',
      email: 'reader@example.com',
      roles: ['admin', 'plan_admin', 'readonly'],
      sessionsLimit: 3,
    });
    expect((await eventTypes(tenant, user.uuid)).sort()).toEqual(['credential.changed', 'user.created', 'user.roles_changed']);
    expect((await signIn(tenant, 'reader@example.com', 'Abcd1234')).statusCode).toBe(201);
  });

  it('a second create with the same external_id updates that user (200, same id)', async () => {
    const tenant = await laxTenant();
    const first = await created(tenant, { external_id: 'ext-1', email: 'first@example.com' });
    const second = await created(tenant, { external_id: 'ext-1', email: 'second@example.com', only_sees_readable: 1 });
    expect(second.id).toBe(first.id);
    expect(second.uuid).toBe(first.uuid);
    expect(second).toMatchObject({ email: 'second@example.com', only_sees_readable: true });
    expect((await eventTypes(tenant, first.uuid)).sort()).toEqual(['user.created', 'user.roles_changed', 'user.updated']);
    expect((await list(tenant)).json().data.paginator.total).toBe(1);
  });

  it('accepts form bodies and 1/0 flags, as a Laravel API does', async () => {
    const tenant = await laxTenant();
    const res = await t.call({
      method: 'POST',
      url: `${USERS}/`,
      headers: { ...tenant.auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload:
        'external_id=form-1&email=form%40example.com&new_password=a+long+passphrase&sessions_limit=2&admin=0&plan_admin=1&only_sees_readable=0&new_plan_custom_valid_to=',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({
      email: 'form@example.com',
      admin: false,
      plan_admin: true,
      only_sees_readable: false,
      sessions_limit: 2,
    });
    expect((await signIn(tenant, 'form@example.com', 'a long passphrase')).statusCode).toBe(201);
  });

  it('refuses bad fields with a Laravel 422 naming each one, and writes nothing', async () => {
    const tenant = await laxTenant();
    const missing = await create(tenant, { email: '  ', new_password: 'long enough password' });
    expect(errorsOf(missing)).toEqual({
      external_id: ['The external id field is required.'],
      email: ['The email field is required.'],
    });
    expect(missing.json().message).toBe('The external id field is required. (and 1 more error)');

    const bad = await create(tenant, {
      external_id: 'x',
      email: 'not-an-email',
      sessions_limit: 1_000_000,
      admin: 'yes',
      plan_admin: 2,
      assign_new_plan: 'gold',
      new_plan_custom_valid_to: '2024-02-30',
    });
    expect(errorsOf(bad)).toEqual({
      email: ['The email field must be a valid email address.'],
      sessions_limit: ['The sessions limit field must be null or an integer from 1 to 999999.'],
      assign_new_plan: ['The assign new plan field must be the number of a plan.'],
      new_plan_custom_valid_to: ['The new plan custom valid to field must be a date in yyyy-mm-dd form.'],
      admin: ['The admin field must be true or false.'],
      plan_admin: ['The plan admin field must be true or false.'],
    });
    expect(Object.keys(errorsOf(await create(tenant, { external_id: 'x', email: 'a@example.com', sessions_limit: 0 })))).toEqual([
      'sessions_limit',
    ]);
    expect(errorsOf(await create(tenant, { external_id: 'x', email: 'a@example.com', new_password: 'short' }))).toEqual({
      new_password: ['The new password field must be at least 8 characters.'],
    });
    expect(errorsOf(await create(tenant, { external_id: 'x', email: 'a@example.com', admin: [true] }))).toHaveProperty('admin');
    expect((await list(tenant)).json().data.paginator.total).toBe(0);
  });

  it('an email or external id of another user is a 422 "has already been taken"', async () => {
    const tenant = await laxTenant();
    await created(tenant, { external_id: 'one', email: 'one@example.com' });
    const two = await created(tenant, { external_id: 'two', email: 'two@example.com' });
    expect(errorsOf(await create(tenant, { external_id: 'three', email: 'ONE@example.com' }))).toEqual({
      email: ['The email has already been taken.'],
    });
    expect(errorsOf(await update(tenant, two.id, { external_id: 'one', email: 'two@example.com', only_sees_readable: 0 }))).toEqual({
      external_id: ['The external id has already been taken.'],
    });
  });

  it('assigns a plan by its number, until the custom date or for the plan’s default duration', async () => {
    const tenant = await laxTenant();
    const gold = await createPlan(tenant, { name: 'Gold', defaultDuration: 'P1M' });
    const silver = await createPlan(tenant, { name: 'Silver' });
    const user = await created(tenant, {
      external_id: 'p-1',
      email: 'plan@example.com',
      assign_new_plan: gold.number,
      new_plan_custom_valid_to: '2099-12-31',
    });
    const second = await created(tenant, { external_id: 'p-2', email: 'plan2@example.com', assign_new_plan: String(gold.number) });
    const plans = (await call(tenant, 'GET', `/v1/users/${user.uuid}/plans`)).json().data;
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ plan: { number: gold.number }, validTo: '2100-01-01T00:00:00.000Z', active: true });
    const defaultPlans = (await call(tenant, 'GET', `/v1/users/${second.uuid}/plans`)).json().data;
    expect(Date.parse(defaultPlans[0].validTo) - Date.parse(defaultPlans[0].validFrom)).toBeGreaterThan(27 * 86_400_000);
    expect(await eventTypes(tenant, user.uuid)).toContain('plan.assigned');

    expect(
      (
        await update(tenant, user.id, {
          external_id: 'p-1',
          email: 'plan@example.com',
          only_sees_readable: 0,
          assign_new_plan: silver.number,
        })
      ).statusCode,
    ).toBe(204);
    const listed = (await call(tenant, 'GET', `${USERS}/${user.id}`)).json().data;
    expect(listed.user_plans_count).toBe(2);
    expect(listed.user_plans.map((p: any) => p.plan_id)).toEqual([gold.number, silver.number]);
    expect(listed.user_plans[0]).toMatchObject({ plan_name: 'Gold', active: true, valid_to: '2099-12-31T23:59:59.000000Z' });

    expect(errorsOf(await create(tenant, { external_id: 'p-3', email: 'plan3@example.com', assign_new_plan: 999 }))).toEqual({
      assign_new_plan: ['The selected assign new plan is invalid.'],
    });
    expect(
      errorsOf(
        await create(tenant, {
          external_id: 'p-3',
          email: 'plan3@example.com',
          assign_new_plan: gold.number,
          new_plan_custom_valid_to: '2001-01-01',
        }),
      ),
    ).toEqual({
      new_plan_custom_valid_to: ['The new plan custom valid to field must be a date after or equal to today.'],
    });
    expect((await list(tenant)).json().data.paginator.total).toBe(2);
  });

  it('setting a flag needs a key with users:roles (403); plans need plans:write', async () => {
    const tenant = await laxTenant();
    const key = await createKey(t, tenant.id, { name: 'no roles', scopes: ['users:read', 'users:write'] });
    const limited = { ...tenant, auth: { authorization: `Bearer ${key}` } };
    expect((await create(limited, { external_id: 'plain', email: 'plain@example.com', admin: false })).statusCode).toBe(200);
    expect(expectLaravelError(await create(limited, { external_id: 'boss', email: 'boss@example.com', admin: true }), 403).message).toBe(
      'This action is unauthorized.',
    );
    const plan = await createPlan(tenant, { name: 'Gold' });
    expectLaravelError(await create(limited, { external_id: 'p', email: 'p@example.com', assign_new_plan: plan.number }), 403);
    expect((await list(tenant)).json().data.paginator.total).toBe(1);
  });
});

describe('Publica.la: sign-in, sessions limit, deactivation and force logout', () => {
  it('a user created here signs in with new_password; 3 parallel sign-ins under sessions_limit 2 leave 2; force logout ends them', async () => {
    const tenant = await laxTenant();
    const user = await created(tenant, { external_id: 'cross-1', email: 'cross@example.com', new_password: 'Abcd1234', sessions_limit: 2 });
    const signIns = await Promise.all([1, 2, 3].map(() => signIn(tenant, 'cross@example.com', 'Abcd1234')));
    expect(signIns.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(await liveSessions(tenant, user.uuid)).toHaveLength(2);
    expect((await signIn(tenant, 'cross@example.com', 'wrong password')).statusCode).toBe(401);

    const out = await call(tenant, 'POST', `/integration-api/v1/users/${user.id}/force-logout`);
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toEqual({ CODE: 'success', data: { revoked: 2 } });
    expect(await liveSessions(tenant, user.uuid)).toEqual([]);
    // One session evicted by the limit, the other two by the force logout, with the native API's events.
    expect(await listEvents(t, tenant, { type: 'session.revoked', userId: user.uuid })).toHaveLength(1);
    const loggedOut = await listEvents(t, tenant, { type: 'user.logged_out', userId: user.uuid });
    expect(loggedOut.map((e) => [e.data.reason, e.data.sessionIds.length])).toEqual([['logout', 2]]);

    // By external id, and by the path the document's parameter example shows.
    await signIn(tenant, 'cross@example.com', 'Abcd1234');
    const byExternal = await call(tenant, 'POST', '/integration-api/v1/users/cross-1/force-logout');
    expect(byExternal.json().data.revoked).toBe(1);
    await signIn(tenant, 'cross@example.com', 'Abcd1234');
    expect((await call(tenant, 'POST', `${USERS}/${user.id}/force-logout`)).json().data.revoked).toBe(1);
    expectLaravelError(await call(tenant, 'POST', '/integration-api/v1/users/nobody/force-logout'), 404);
  });

  it('a numeric external id works when no user has that number', async () => {
    const tenant = await laxTenant();
    const user = await created(tenant, { external_id: '987654', email: 'numeric@example.com', new_password: 'Abcd1234' });
    await signIn(tenant, 'numeric@example.com', 'Abcd1234');
    expect((await call(tenant, 'POST', '/integration-api/v1/users/987654/force-logout')).json().data.revoked).toBe(1);
    expect(await liveSessions(tenant, user.uuid)).toEqual([]);
  });

  it('lowering sessions_limit by update holds on the next sign-in', async () => {
    const tenant = await laxTenant();
    const user = await created(tenant, { external_id: 'lim', email: 'lim@example.com', new_password: 'Abcd1234' });
    for (let i = 0; i < 3; i++) expect((await signIn(tenant, 'lim@example.com', 'Abcd1234')).statusCode).toBe(201);
    expect(await liveSessions(tenant, user.uuid)).toHaveLength(3);
    expect(
      (await update(tenant, user.id, { external_id: 'lim', email: 'lim@example.com', only_sees_readable: 0, sessions_limit: 1 }))
        .statusCode,
    ).toBe(204);
    await signIn(tenant, 'lim@example.com', 'Abcd1234');
    expect(await liveSessions(tenant, user.uuid)).toHaveLength(1);
  });

  it('a deactivated user cannot sign in by any means, and can again once reactivated', async () => {
    const tenant = await laxTenant();
    const user = await created(tenant, { external_id: 'gone', email: 'gone@example.com', new_password: 'Abcd1234' });
    const tokens = (await signIn(tenant, 'gone@example.com', 'Abcd1234')).json();
    const del = await call(tenant, 'DELETE', `${USERS}/${user.id}`);
    expect(del.json()).toEqual({ CODE: 'success', data: [] });
    // Deactivating ends the sessions it had: the refresh token is dead, the access token too.
    expect(await liveSessions(tenant, user.uuid)).toEqual([]);
    expect((await call(tenant, 'POST', '/v1/sessions/refresh', { refreshToken: tokens.refreshToken })).statusCode).toBe(401);
    expect((await t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${tokens.accessToken}` } })).statusCode).toBe(
      401,
    );
    // Password, external id and passwordless (server-issued) sign-ins all fail.
    expect((await signIn(tenant, 'gone@example.com', 'Abcd1234')).statusCode).toBe(401);
    expect((await call(tenant, 'POST', '/v1/sessions', { externalId: 'gone', password: 'Abcd1234' })).statusCode).toBe(401);
    expect((await call(tenant, 'POST', `/v1/users/${user.uuid}/sessions`)).statusCode).toBe(409);
    // Deactivating again is still a success; the user shows deleted_at.
    expect((await call(tenant, 'DELETE', `${USERS}/${user.id}`)).statusCode).toBe(200);
    expect((await call(tenant, 'GET', `${USERS}/${user.id}`)).json().data.deleted_at).toMatch(/Z$/);

    expect((await call(tenant, 'PUT', `${USERS}/${user.id}/re-activate`)).json()).toEqual({ CODE: 'success', data: 1 });
    expect((await signIn(tenant, 'gone@example.com', 'Abcd1234')).statusCode).toBe(201);
    expect(await eventTypes(tenant, user.uuid)).toEqual(expect.arrayContaining(['user.deactivated', 'user.reactivated']));
  });
});

describe('Publica.la: update', () => {
  it('answers 204, requires only_sees_readable, keeps other roles, and a new password replaces the old one', async () => {
    const tenant = await laxTenant();
    expect((await call(tenant, 'POST', '/v1/roles', { name: 'editor' })).statusCode).toBe(201);
    const user = await created(tenant, { external_id: 'u-1', email: 'u1@example.com', new_password: 'first password', admin: 1 });
    const patched = await call(tenant, 'PATCH', `/v1/users/${user.uuid}`, { roles: ['admin', 'editor'] });
    expect(patched.statusCode, patched.body).toBe(200);

    expect(errorsOf(await update(tenant, user.id, { external_id: 'u-1', email: 'u1@example.com' }))).toEqual({
      only_sees_readable: ['The only sees readable field is required.'],
    });
    expect(Object.keys(errorsOf(await update(tenant, user.id, { only_sees_readable: 1 })))).toEqual(['external_id', 'email']);

    const res = await update(tenant, user.id, {
      external_id: 'u-1-renamed',
      email: 'u1-new@example.com',
      new_password: 'second password',
      sessions_limit: null,
      admin: 0,
      only_sees_readable: '1',
      user_plan_name: 'Anything',
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    const native = await nativeUser(tenant, user.uuid);
    expect(native).toMatchObject({
      externalId: 'u-1-renamed',
      email: 'u1-new@example.com',
      roles: ['editor', 'readonly'],
      sessionsLimit: null,
    });
    expect((await signIn(tenant, 'u1-new@example.com', 'first password')).statusCode).toBe(401);
    expect((await signIn(tenant, 'u1-new@example.com', 'second password')).statusCode).toBe(201);
    expect(await eventTypes(tenant, user.uuid)).toEqual(
      expect.arrayContaining(['user.updated', 'user.roles_changed', 'credential.changed']),
    );
  });

  it('unknown, non-numeric and other tenants’ ids are 404 before the body is looked at', async () => {
    const tenant = await laxTenant();
    const other = await laxTenant();
    const theirs = await created(other, { external_id: 'theirs', email: 'theirs@example.com' });
    for (const id of ['923242', 'abc', '0', '-1', '1.5', String(theirs.id)]) {
      expectLaravelError(await update(tenant, id as never, {}), 404);
      expectLaravelError(await call(tenant, 'GET', `${USERS}/${id}`), 404);
      expectLaravelError(await call(tenant, 'DELETE', `${USERS}/${id}`), 404);
      expectLaravelError(await call(tenant, 'PUT', `${USERS}/${id}/re-activate`), 404);
    }
    expect((await nativeUser(other, theirs.uuid)).status).toBe('active');
  });
});

describe('Publica.la: list', () => {
  it('pages by number in Laravel’s paginator shape, keeping the filters in the page URLs', async () => {
    const tenant = await laxTenant();
    for (let i = 0; i < 20; i++) await createUser(t, tenant, { email: `u${String(i).padStart(2, '0')}@example.com` });
    const first = (await list(tenant)).json().data.paginator;
    expect(first).toMatchObject({ current_page: 1, from: 1, to: 15, per_page: 15, total: 20, last_page: 2, prev_page_url: null });
    expect(first.data).toHaveLength(15);
    expect(first.path).toBe('http://localhost:80/integration-api/v1/dashboard/users');
    expect(first.next_page_url).toBe(`${first.path}?page=2`);
    expect(first.links.map((l: any) => l.label)).toEqual(['&laquo; Previous', '1', '2', 'Next &raquo;']);

    const second = (await list(tenant, '?page=2')).json().data.paginator;
    expect(second).toMatchObject({ current_page: 2, from: 16, to: 20, next_page_url: null, prev_page_url: `${first.path}?page=1` });
    expect(second.data.map((u: any) => u.email)).toEqual(['u15', 'u16', 'u17', 'u18', 'u19'].map((u) => `${u}@example.com`));
    const ids = [...first.data, ...second.data].map((u: any) => u.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const beyond = (await list(tenant, '?page=9')).json().data.paginator;
    expect(beyond).toMatchObject({ current_page: 9, data: [], from: null, to: null, total: 20 });
    expect((await list(tenant, '?page=abc')).json().data.paginator.current_page).toBe(1);

    const small = (await list(tenant, '?per_page=3&page=2')).json().data.paginator;
    expect(small).toMatchObject({ per_page: 3, from: 4, to: 6, last_page: 7 });
    expect(small.next_page_url).toBe(`${first.path}?per_page=3&page=3`);

    const filtered = (await list(tenant, '?email=u03@example.com')).json().data.paginator;
    expect(filtered.total).toBe(1);
    expect(filtered.first_page_url).toBe(`${first.path}?email=u03%40example.com&page=1`);

    expect(errorsOf(await list(tenant, '?per_page=0'))).toEqual({ per_page: ['The per page field must be an integer from 1 to 100.'] });
    expect(errorsOf(await list(tenant, '?query=everyone'))).toEqual({ query: ['The query field must be deactivated or admins.'] });
    expect(errorsOf(await list(tenant, '?email=nope'))).toEqual({ email: ['The email field must be a valid email address.'] });
    expect(errorsOf(await list(tenant, '?page=99999&per_page=100'))).toHaveProperty('page');
  });

  it('shows Laravel’s page window with gaps on a long list', async () => {
    const tenant = await laxTenant();
    for (let i = 0; i < 20; i++) await createUser(t, tenant, { email: `w${i}@example.com` });
    const labels = async (page: number) =>
      (await list(tenant, `?per_page=1&page=${page}`))
        .json()
        .data.paginator.links.map((l: any) => l.label)
        .slice(1, -1);
    expect(await labels(1)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '...', '19', '20']);
    expect(await labels(10)).toEqual(['1', '2', '...', '7', '8', '9', '10', '11', '12', '13', '...', '19', '20']);
    expect(await labels(20)).toEqual(['1', '2', '...', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20']);
  });

  it('leaves deactivated users out unless asked for, and filters admins', async () => {
    const tenant = await laxTenant();
    const admin = await created(tenant, { external_id: 'a', email: 'admin@example.com', admin: true });
    await created(tenant, { external_id: 'b', email: 'plain@example.com' });
    const gone = await created(tenant, { external_id: 'c', email: 'gone@example.com', admin: true });
    await call(tenant, 'DELETE', `${USERS}/${gone.id}`);
    const emails = async (query: string) => (await list(tenant, query)).json().data.paginator.data.map((u: any) => u.email);
    expect(await emails('')).toEqual(['admin@example.com', 'plain@example.com']);
    expect(await emails('?query=admins')).toEqual(['admin@example.com']);
    expect(await emails('?query=deactivated')).toEqual(['gone@example.com']);
    expect(await emails('?email=gone@example.com')).toEqual([]);
    const one = (await call(tenant, 'GET', `${USERS}/${admin.id}`)).json();
    expect(one).toMatchObject({ CODE: 'success', data: { id: admin.id, uuid: admin.uuid, admin: true, only_sees_readable: 0 } });
    expect(one.data.impersonate).toBe(`http://localhost:80/v1/users/${admin.uuid}/sessions`);
  });
});

describe('Publica.la: keys and errors', () => {
  it('takes the key as Authorization: Bearer, X-User-Token or ?api_token=', async () => {
    const tenant = await laxTenant();
    const ok = (res: Res) => expect(res.statusCode, res.body).toBe(200);
    ok(await t.call({ method: 'GET', url: USERS, headers: { authorization: `Bearer ${tenant.key}` } }));
    ok(await t.call({ method: 'GET', url: USERS, headers: { 'x-user-token': tenant.key } }));
    ok(await t.call({ method: 'GET', url: `${USERS}?api_token=${tenant.key}` }));
    ok(await t.call({ method: 'GET', url: `${USERS}?api_token=${tenant.key}&query=admins` }));
    for (const headers of [{}, { authorization: 'Bearer nope' }, { 'x-user-token': 'x'.repeat(64) }, { authorization: 'Basic abc' }]) {
      expect(expectLaravelError(await t.call({ method: 'GET', url: USERS, headers }), 401).message).toBe('Unauthenticated.');
    }
    expectLaravelError(
      await t.call({ method: 'POST', url: USERS, payload: '{not json', headers: { 'content-type': 'application/json' } }),
      401,
    );
    const readOnly = await createKey(t, tenant.id, { name: 'read', scopes: ['users:read'] });
    expectLaravelError(await t.call({ method: 'POST', url: USERS, headers: { 'x-user-token': readOnly }, payload: SEED_CREATE }), 403);
  });

  it('answers framework errors and unknown paths in Laravel’s shape, never problem+json', async () => {
    const tenant = await laxTenant();
    const headers = { ...tenant.auth, 'content-type': 'application/json' };
    expectLaravelError(await t.call({ method: 'POST', url: USERS, headers, payload: '{"email":' }), 400);
    expectLaravelError(
      await t.call({ method: 'POST', url: USERS, headers: { ...tenant.auth, 'content-type': 'text/plain' }, payload: 'x' }),
      415,
    );
    expectLaravelError(
      await t.call({ method: 'POST', url: USERS, headers, payload: JSON.stringify({ email: 'x'.repeat(1_100_000) }) }),
      413,
    );
    expect(Object.keys(errorsOf(await t.call({ method: 'POST', url: USERS, headers, payload: '' })))).toEqual(['external_id', 'email']);
    expect(Object.keys(errorsOf(await t.call({ method: 'POST', url: USERS, headers, payload: '[1,2]' })))).toEqual([
      'external_id',
      'email',
    ]);
    const user = await created(tenant, { external_id: 'e', email: 'e@example.com' });
    // A DELETE sent with a JSON content type and no body still works.
    expect((await t.call({ method: 'DELETE', url: `${USERS}/${user.id}`, headers })).statusCode).toBe(200);
    const unknown = expectLaravelError(await call(tenant, 'GET', '/integration-api/v1/dashboard/nothing'), 404);
    expect(unknown.message).toBe('The route integration-api/v1/dashboard/nothing could not be found.');
    const wrongMethod = await call(tenant, 'PATCH', `${USERS}/${user.id}`, {});
    expectLaravelError(wrongMethod, 405);
    expect(wrongMethod.headers.allow).toBe('DELETE, GET, HEAD, PUT');
  });
});
