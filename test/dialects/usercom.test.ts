/**
 * The User.com dialect (seed 003_6b1c561186109226.txt): every example of the document replayed against golden
 * files (curl, jQuery, XHR, Node, PHP, Python), then the rules it states or implies: upsert by user_id over the
 * allow-list, company_id, custom attributes one or many at a time, trailing slashes, DRF's error envelope.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { defineAttribute, listEvents } from '../helpers/users.ts';

type Res = Awaited<ReturnType<TestApp['call']>>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Golden {
  seed: string;
  example: string;
  request: { method: 'POST'; url: string; headers: Record<string, string>; body?: Json; rawBody?: string };
  status: number;
  body: Json;
}

const BASE = '/api/public';
const UPSERT = `${BASE}/users/update_or_create/`;
const GOLDEN = new URL('./golden/usercom/', import.meta.url);

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp(process.env.ROSTER_TEST_LOG ? { config: { logLevel: 'error' }, logStream: process.stderr } : {});
});
afterAll(() => t.close());

/** User.com sends the key as `Authorization: Token <key>`. */
function tokenOf(tenant: TestTenant): { authorization: string } {
  return { authorization: `Token ${tenant.key}` };
}

function post(tenant: TestTenant, url: string, payload: unknown): Promise<Res> {
  return t.call({ method: 'POST', url, headers: tokenOf(tenant), payload: payload as Record<string, unknown> });
}

function postForm(tenant: TestTenant, url: string, form: string, type = 'application/x-www-form-urlencoded'): Promise<Res> {
  return t.call({ method: 'POST', url, headers: { ...tokenOf(tenant), 'content-type': type }, payload: form });
}

async function nativeUser(tenant: TestTenant, externalId: string): Promise<any> {
  const res = await t.call({ method: 'GET', url: `/v1/users/by-external-id/${encodeURIComponent(externalId)}`, headers: tenant.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Asserts DRF's `{"detail": "..."}` with this status and returns the detail. */
function expectDetail(res: Res, status: number, detail?: string): string {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['detail']);
  expect(typeof body.detail).toBe('string');
  if (detail !== undefined) expect(body.detail).toBe(detail);
  return body.detail;
}

/** Asserts a 400 keyed by field (`{"<field>": ["<message>"]}`) naming exactly these fields, and returns it. */
function expectFields(res: Res, fields: string[]): Record<string, string[]> {
  expect(res.statusCode, res.body).toBe(400);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body).sort()).toEqual([...fields].sort());
  for (const messages of Object.values(body)) {
    expect(Array.isArray(messages)).toBe(true);
    for (const message of messages as unknown[]) expect(typeof message).toBe('string');
  }
  return body;
}

/**
 * Compares an answer with a golden body: the same field names, the same JSON types, and the same values except
 * where the golden holds a placeholder (`<integer>`: a positive integer, `<string>`: any string).
 */
function expectGolden(actual: unknown, golden: Json, path = '$'): void {
  if (golden === '<integer>') {
    expect(Number.isSafeInteger(actual) && (actual as number) > 0, `${path}: ${actual}`).toBe(true);
    return;
  }
  if (golden === '<string>') {
    expect(typeof actual, path).toBe('string');
    return;
  }
  if (golden === null || typeof golden !== 'object') {
    expect(actual, path).toStrictEqual(golden);
    return;
  }
  if (Array.isArray(golden)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(golden.length);
    for (const [i, item] of golden.entries()) expectGolden((actual as unknown[])[i], item, `${path}[${i}]`);
    return;
  }
  const record = actual as Record<string, unknown>;
  expect(typeof record === 'object' && record !== null && !Array.isArray(record), path).toBe(true);
  expect(Object.keys(record).sort(), path).toEqual(Object.keys(golden).sort());
  for (const [key, value] of Object.entries(golden)) expectGolden(record[key], value, `${path}.${key}`);
}

function loadGolden(name: string): Golden {
  return JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN), 'utf8'));
}

/**
 * Replays a golden request (the tenant key in place of `<key>`) and checks the answer against the golden body, with
 * `override` merged in (a repeated replay finds the user: `created: false`).
 */
async function replay(name: string, tenant: TestTenant, override: Record<string, Json> = {}): Promise<Res> {
  const golden = loadGolden(name);
  const headers = Object.fromEntries(Object.entries(golden.request.headers).map(([k, v]) => [k, v.replace('<key>', tenant.key)]));
  const res = await t.call({
    method: golden.request.method,
    url: golden.request.url,
    headers,
    payload: golden.request.rawBody ?? JSON.stringify(golden.request.body),
  });
  expect(res.statusCode, `${name}: ${res.body}`).toBe(golden.status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expectGolden(res.json(), { ...(golden.body as Record<string, Json>), ...override });
  return res;
}

const EXAMPLES = readdirSync(GOLDEN)
  .filter((file) => /^update-or-create\.[a-z]+\.json$/.test(file))
  .map((file) => file.replace(/\.json$/, ''));

describe('User.com: the document’s examples replayed', () => {
  it('has a golden file for each of the document’s six examples and the form they stand for', () => {
    expect(EXAMPLES.sort()).toEqual(
      ['curl', 'form', 'jquery', 'node', 'php', 'python', 'xhr'].map((example) => `update-or-create.${example}`),
    );
  });

  for (const name of EXAMPLES) {
    it(`${name}: creates John Doe (created: true), then finds him again (created: false, same id)`, async () => {
      const tenant = await createTenant(t);
      const first = (await replay(name, tenant)).json();
      expect(first.created).toBe(true);
      const user = await nativeUser(tenant, 'my_custom_id');
      expect(user).toMatchObject({ number: first.id, externalId: 'my_custom_id', firstName: 'John', lastName: 'Doe', name: 'John Doe' });

      await replay(name, tenant, { created: false, id: first.id });
      // Without the trailing slash: the same answer.
      const bare = await t.call({
        method: 'POST',
        url: UPSERT.slice(0, -1),
        headers: { ...tokenOf(tenant), 'content-type': 'application/json' },
        payload: JSON.stringify({ user_id: 'my_custom_id', first_name: 'John', last_name: 'Doe' }),
      });
      expect(bare.statusCode, bare.body).toBe(200);
      expect(bare.json()).toEqual({ created: false, id: first.id });
      expect((await listEvents(t, tenant, { type: 'user.created' })).length).toBe(1);
      // Replays of the same data change nothing.
      expect(await listEvents(t, tenant, { type: 'user.updated' })).toEqual([]);
    });
  }

  it('answers a key Roster does not know with 401 {"detail": "Invalid token."}, and an outside attribute with 400 naming it', async () => {
    const tenant = await createTenant(t);
    const unauthorized = await replay('update-or-create.401', tenant);
    expect(unauthorized.headers['www-authenticate']).toBe('Token');
    await replay('update-or-create.400', tenant);
    const users = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth });
    expect(users.json().data).toEqual([]);
  });
});

describe('User.com: update_or_create', () => {
  it('upserts by user_id: created once, then merge-updated (user.created, user.updated), the same id each time', async () => {
    const tenant = await createTenant(t);
    const created = await post(tenant, UPSERT, { user_id: 'u-1', email: 'Jane@Example.com', first_name: 'Jane' });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ created: true });
    const updated = await post(tenant, UPSERT, { user_id: 'u-1', last_name: 'Roe', city: 'Kraków' });
    expect(updated.json()).toEqual({ created: false, id: created.json().id });
    const user = await nativeUser(tenant, 'u-1');
    expect(user).toMatchObject({ email: 'jane@example.com', firstName: 'Jane', lastName: 'Roe', city: 'Kraków' });

    const events = await listEvents(t, tenant, { userId: user.id });
    expect(events.map((e) => e.type)).toEqual(['user.created', 'user.updated']);
    expect(events[1].changes).toEqual({ lastName: { before: null, after: 'Roe' }, city: { before: null, after: 'Kraków' } });
  });

  it('maps every allowed attribute onto the user (links, picture, consents, gender code, status and assigned_to attributes)', async () => {
    const tenant = await createTenant(t, { defaultCountry: 'PL' });
    await defineAttribute(t, tenant, { name: 'status', type: 'string' });
    await defineAttribute(t, tenant, { name: 'assigned_to', type: 'number' });
    const body = {
      user_id: 'full-1',
      email: 'full@example.com',
      first_name: 'Anna',
      last_name: 'Nowak',
      phone_number: '512 345 678',
      city: 'Warszawa',
      region: 'Mazowieckie',
      country: 'Poland',
      timezone: 'Europe/Warsaw',
      gender: 3,
      score: 42,
      facebook_url: 'https://facebook.com/anna',
      twitter_url: 'https://twitter.com/anna',
      linkedin_url: 'https://linkedin.com/in/anna',
      google_url: 'https://plus.google.com/anna',
      gravatar_url: 'https://example.com/anna.png',
      unsubscribed: true,
      notifications: false,
      status: 'user',
      assigned_to: 7,
    };
    const res = await post(tenant, UPSERT, body);
    expect(res.statusCode, res.body).toBe(200);
    const user = await nativeUser(tenant, 'full-1');
    expect(user).toMatchObject({
      number: res.json().id,
      email: 'full@example.com',
      phone: '+48512345678',
      city: 'Warszawa',
      region: 'Mazowieckie',
      country: 'PL',
      timezone: 'Europe/Warsaw',
      gender: 'female',
      score: 42,
      picture: 'https://example.com/anna.png',
      links: {
        facebook: 'https://facebook.com/anna',
        twitter: 'https://twitter.com/anna',
        linkedin: 'https://linkedin.com/in/anna',
        google: 'https://plus.google.com/anna',
      },
      consents: { email: false, notifications: false },
      attributes: { status: 'user', assigned_to: 7 },
    });

    // null clears; blank text is "not given".
    const cleared = await post(tenant, UPSERT, { user_id: 'full-1', city: null, region: '', unsubscribed: false, twitter_url: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    const after = await nativeUser(tenant, 'full-1');
    expect(after).toMatchObject({ city: null, region: 'Mazowieckie', consents: { email: true, notifications: false } });
    expect(after.links.twitter).toBeUndefined();
  });

  it('reads form fields by their type: score, gender code, booleans from true/false/1/0, attributes by definition', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'assigned_to', type: 'number' });
    const form = 'user_id=f-1&email=form%40example.com&score=12&gender=2&unsubscribed=1&notifications=false&assigned_to=9&city=';
    const res = await postForm(tenant, UPSERT, form);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().created).toBe(true);
    const user = await nativeUser(tenant, 'f-1');
    expect(user).toMatchObject({
      email: 'form@example.com',
      score: 12,
      gender: 'male',
      city: null,
      consents: { email: false, notifications: false },
      attributes: { assigned_to: 9 },
    });
    const word = await postForm(tenant, UPSERT, 'user_id=f-1&gender=other&unsubscribed=FALSE');
    expect(word.statusCode, word.body).toBe(200);
    expect(await nativeUser(tenant, 'f-1')).toMatchObject({ gender: 'other', consents: { email: true } });
  });

  it('refuses what does not fit with 400 naming the field in User.com’s words', async () => {
    const tenant = await createTenant(t);
    expect(expectFields(await post(tenant, UPSERT, { first_name: 'No id' }), ['user_id']).user_id).toEqual(['This field is required.']);
    expectFields(await post(tenant, UPSERT, { user_id: '  ' }), ['user_id']);
    expectFields(await post(tenant, UPSERT, { user_id: 'x', nickname: 'n', tags: ['a'] }), ['nickname', 'tags']);
    expectFields(await post(tenant, UPSERT, { user_id: 'x', score: '5' }), ['score']);
    expectFields(await postForm(tenant, UPSERT, 'user_id=x&score=many'), ['score']);
    expectFields(await postForm(tenant, UPSERT, 'user_id=x&unsubscribed=maybe'), ['unsubscribed']);
    expectFields(await post(tenant, UPSERT, { user_id: 'x', gender: 'robot' }), ['gender']);
    expectFields(await post(tenant, UPSERT, { user_id: 'x', gender: 4 }), ['gender']);
    expectFields(await post(tenant, UPSERT, { user_id: 'x', email: 'not-an-email', phone_number: '12' }), ['email', 'phone_number']);
    expectFields(await post(tenant, UPSERT, { user_id: 'x', country: 'Atlantis', facebook_url: 'ftp://x' }), ['country', 'facebook_url']);
    // status and assigned_to are custom attributes: this tenant has not defined them.
    expectFields(await post(tenant, UPSERT, { user_id: 'x', status: 'visitor' }), ['status']);
    expect(expectFields(await post(tenant, UPSERT, []), ['non_field_errors']).non_field_errors.length).toBe(1);
    const users = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth });
    expect(users.json().data).toEqual([]);

    await post(tenant, UPSERT, { user_id: 'holder', email: 'taken@example.com' });
    expectFields(await post(tenant, UPSERT, { user_id: 'other', email: 'taken@example.com' }), ['email']);
  });

  it('30 parallel upserts of one user_id make one user: one created: true, the same id everywhere', async () => {
    const tenant = await createTenant(t);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(tenant, UPSERT, { user_id: 'racer', first_name: 'Race', score: i % 3 })),
    );
    for (const res of results) expect(res.statusCode, res.body).toBe(200);
    const bodies = results.map((res) => res.json());
    expect(bodies.filter((body) => body.created).length).toBe(1);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    const users = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { count: 'true' } });
    expect(users.json().total).toBe(1);
    expect(users.json().data[0].number).toBe(bodies[0].id);
    expect((await listEvents(t, tenant, { type: 'user.created' })).length).toBe(1);
  });

  it('company_id makes the user an employee of that company, created with that external id (company.member_added)', async () => {
    const tenant = await createTenant(t);
    const res = await post(tenant, UPSERT, { user_id: 'emp-1', email: 'emp@example.com', company_id: 'acme-42' });
    expect(res.statusCode, res.body).toBe(200);
    const user = await nativeUser(tenant, 'emp-1');
    const companies = await t.call({ method: 'GET', url: `/v1/users/${user.id}/companies`, headers: tenant.auth });
    expect(companies.statusCode, companies.body).toBe(200);
    const memberships = companies.json().data ?? companies.json();
    expect(memberships).toHaveLength(1);
    expect(memberships[0].company).toMatchObject({ externalId: 'acme-42', name: 'acme-42' });

    // Again, as a form and as a number: still one membership, no new event.
    expect((await postForm(tenant, UPSERT, 'user_id=emp-1&company_id=acme-42')).statusCode).toBe(200);
    const numeric = await post(tenant, UPSERT, { user_id: 'emp-1', company_id: 42 });
    expect(numeric.statusCode, numeric.body).toBe(200);
    const added = await listEvents(t, tenant, { type: 'company.member_added' });
    expect(added.map((e) => [e.userId, e.data.externalId])).toEqual([
      [user.id, 'acme-42'],
      [user.id, '42'],
    ]);
    expect((await listEvents(t, tenant, { type: 'company.created' })).length).toBe(2);
  });

  it('parallel upserts naming one new company create it once and one membership', async () => {
    const tenant = await createTenant(t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(tenant, UPSERT, { user_id: `worker-${i % 4}`, company_id: 'shared-co' })),
    );
    for (const res of results) expect(res.statusCode, res.body).toBe(200);
    expect((await listEvents(t, tenant, { type: 'company.created' })).length).toBe(1);
    expect((await listEvents(t, tenant, { type: 'company.member_added' })).length).toBe(4);
    const members = await t.call({ method: 'GET', url: '/v1/companies/shared-co/members', headers: tenant.auth });
    expect(members.json().data).toHaveLength(4);
  });

  it('needs companies:write for company_id, checked before anything is written', async () => {
    const tenant = await createTenant(t);
    const key = await createKey(t, tenant.id, { name: 'users only', scopes: ['users:write', 'users:read'] });
    const headers = { authorization: `Token ${key}` };
    const res = await t.call({ method: 'POST', url: UPSERT, headers, payload: { user_id: 'scoped', company_id: 'c' } });
    expectDetail(res, 403);
    const users = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth });
    expect(users.json().data).toEqual([]);
    const plain = await t.call({ method: 'POST', url: UPSERT, headers, payload: { user_id: 'scoped' } });
    expect(plain.statusCode, plain.body).toBe(200);
  });
});

describe('User.com: set attribute and set multiple attributes', () => {
  async function attributeTenant(): Promise<{ tenant: TestTenant; id: number }> {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'plan', type: 'string' });
    await defineAttribute(t, tenant, { name: 'age', type: 'number' });
    await defineAttribute(t, tenant, { name: 'vip', type: 'boolean' });
    const res = await post(tenant, UPSERT, { user_id: 'attr-1', email: 'attr@example.com', gender: 2 });
    return { tenant, id: res.json().id };
  }

  it('sets one attribute by the user’s id and by your user_id, with and without the trailing slash (attribute.set)', async () => {
    const { tenant, id } = await attributeTenant();
    const urls = [
      [`${BASE}/users/${id}/set_attribute/`, 'plan', 'gold'],
      [`${BASE}/users/${id}/set_attribute`, 'age', 31],
      [`${BASE}/users-by-id/attr-1/set_attribute/`, 'vip', true],
      [`${BASE}/users-by-id/attr-1/set_attribute`, 'plan', 'platinum'],
    ] as const;
    for (const [url, attribute, value] of urls) {
      const res = await post(tenant, url, { attribute, value });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      expect(res.json()).toMatchObject({ id, user_id: 'attr-1', email: 'attr@example.com', gender: 2 });
      expect(res.json().attributes[attribute]).toEqual(value);
    }
    const user = await nativeUser(tenant, 'attr-1');
    expect(user.attributes).toEqual({ plan: 'platinum', age: 31, vip: true });
    const events = await listEvents(t, tenant, { type: 'attribute.set', userId: user.id });
    expect(events.map((e) => Object.keys(e.changes))).toEqual([
      ['attributes.plan'],
      ['attributes.age'],
      ['attributes.vip'],
      ['attributes.plan'],
    ]);

    // null removes the value.
    const removed = await post(tenant, `${BASE}/users/${id}/set_attribute/`, { attribute: 'age', value: null });
    expect(removed.json().attributes).toEqual({ plan: 'platinum', vip: true });
  });

  it('answers in User.com’s user shape', async () => {
    const { tenant, id } = await attributeTenant();
    const res = await post(tenant, `${BASE}/users/${id}/set_attribute/`, { attribute: 'plan', value: 'gold' });
    expectGolden(res.json(), {
      id,
      user_id: 'attr-1',
      email: 'attr@example.com',
      first_name: null,
      last_name: null,
      name: null,
      gender: 2,
      phone_number: null,
      city: null,
      region: null,
      country: null,
      timezone: null,
      score: null,
      facebook_url: null,
      twitter_url: null,
      linkedin_url: null,
      google_url: null,
      gravatar_url: null,
      unsubscribed: false,
      notifications: true,
      status: null,
      assigned_to: null,
      attributes: { plan: 'gold' },
      created_at: '<string>',
      updated_at: '<string>',
    });
  });

  it('reads form values by the attribute’s type', async () => {
    const { tenant, id } = await attributeTenant();
    expect((await postForm(tenant, `${BASE}/users/${id}/set_attribute/`, 'attribute=age&value=44')).json().attributes.age).toBe(44);
    const many = await postForm(tenant, `${BASE}/users-by-id/attr-1/set_multiple_attributes/`, 'vip=1&age=45&plan=7');
    expect(many.statusCode, many.body).toBe(200);
    expect(many.json().attributes).toEqual({ age: 45, vip: true, plan: '7' });
  });

  it('sets many attributes at once, in one attribute.set event', async () => {
    const { tenant, id } = await attributeTenant();
    for (const url of [`${BASE}/users/${id}/set_multiple_attributes/`, `${BASE}/users-by-id/attr-1/set_multiple_attributes`]) {
      const res = await post(tenant, url, { plan: 'silver', age: 50, vip: false });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().attributes).toEqual({ plan: 'silver', age: 50, vip: false });
    }
    const events = await listEvents(t, tenant, { type: 'attribute.set' });
    expect(events).toHaveLength(1);
    expect(Object.keys(events[0].changes).sort()).toEqual(['attributes.age', 'attributes.plan', 'attributes.vip']);
  });

  it('an unknown attribute or a wrong type is a 400 naming it; nothing is written', async () => {
    const { tenant, id } = await attributeTenant();
    const single = `${BASE}/users/${id}/set_attribute/`;
    const unknown = expectFields(await post(tenant, single, { attribute: 'nickname', value: 'x' }), ['attribute']);
    expect(unknown.attribute[0]).toContain('"nickname"');
    const wrong = expectFields(await post(tenant, single, { attribute: 'age', value: 'old' }), ['value']);
    expect(wrong.value[0]).toBe('Attribute "age" must be a number.');
    expectFields(await postForm(tenant, single, 'attribute=vip&value=perhaps'), ['value']);
    expectFields(await post(tenant, single, { attribute: 'age' }), ['value']);
    expectFields(await post(tenant, single, { value: 1 }), ['attribute']);
    expectFields(await post(tenant, single, { attribute: ' ', value: 1 }), ['attribute']);

    const many = `${BASE}/users-by-id/attr-1/set_multiple_attributes/`;
    expectFields(await post(tenant, many, { nickname: 'x', age: 'old', plan: 'ok' }), ['nickname', 'age']);
    expectFields(await post(tenant, many, { vip: 'yes' }), ['vip']);
    expectFields(await post(tenant, many, { '1bad': 1 }), ['1bad']);
    expect(await listEvents(t, tenant, { type: 'attribute.set' })).toEqual([]);
  });

  it('serves user_ids longer than the router’s 100-character parameters, with the same validation', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'age', type: 'number' });
    const long = `id-${'x'.repeat(250)}`;
    expect((await post(tenant, UPSERT, { user_id: long })).statusCode).toBe(200);
    const path = `${BASE}/users-by-id/${long}`;
    expect((await post(tenant, `${path}/set_attribute/`, { attribute: 'age', value: 3 })).json().attributes).toEqual({ age: 3 });
    expect((await postForm(tenant, `${path}/set_multiple_attributes`, 'age=4')).json().attributes).toEqual({ age: 4 });
    expectFields(await post(tenant, `${path}/set_attribute`, { attribute: 'age', value: 'x' }), ['value']);
    expectFields(await post(tenant, `${path}/set_multiple_attributes/`, { age: 'x' }), ['age']);
    expectFields(await post(tenant, `${path}/set_multiple_attributes/`, { a: 'x\u0000' }), ['a']);
    expectDetail(await t.call({ method: 'GET', url: `${path}/set_attribute/`, headers: tokenOf(tenant) }), 405);
    expectDetail(await post(tenant, `${BASE}/users-by-id/${'y'.repeat(200)}/set_attribute/`, { attribute: 'age', value: 1 }), 404);
    expectDetail(await post(tenant, `${path}/elsewhere/`, {}), 404, 'Not found.');
    expectDetail(await post(tenant, `${BASE}/users/${'9'.repeat(200)}/set_attribute/`, { attribute: 'age', value: 1 }), 404);
    expectDetail(await t.call({ method: 'POST', url: `${path}/set_attribute/`, payload: {} }), 401);
  });

  it('an unknown user is a 404 {"detail": "Not found."}', async () => {
    const { tenant, id } = await attributeTenant();
    for (const url of [
      `${BASE}/users/${id + 1000}/set_attribute/`,
      `${BASE}/users/abc/set_attribute/`,
      `${BASE}/users/0/set_multiple_attributes/`,
      `${BASE}/users/99999999999999999999/set_attribute/`,
      `${BASE}/users-by-id/nobody/set_attribute/`,
      `${BASE}/users-by-id/nobody/set_multiple_attributes`,
    ]) {
      expectDetail(await post(tenant, url, { attribute: 'plan', value: 'x' }), 404, 'Not found.');
    }
    // Another tenant's user is nobody here.
    const other = await createTenant(t);
    expectDetail(await post(other, `${BASE}/users-by-id/attr-1/set_attribute/`, { attribute: 'plan', value: 'x' }), 404);
  });
});

describe('User.com: envelope, auth and routing', () => {
  it('answers credential problems with 401 in DRF’s words', async () => {
    const res = await t.call({ method: 'POST', url: UPSERT, payload: { user_id: 'x' } });
    expectDetail(res, 401, 'Authentication credentials were not provided.');
    expect(res.headers['www-authenticate']).toBe('Token');
    expectDetail(
      await t.call({ method: 'POST', url: UPSERT, headers: { authorization: 'Token nope' }, payload: {} }),
      401,
      'Invalid token.',
    );
    expectDetail(await t.call({ method: 'POST', url: `${BASE}/users/1/set_attribute/`, headers: { authorization: 'Token' } }), 401);
  });

  it('accepts Bearer too, and refuses a key without users:write with 403', async () => {
    const tenant = await createTenant(t);
    expect((await t.call({ method: 'POST', url: UPSERT, headers: tenant.auth, payload: { user_id: 'b' } })).statusCode).toBe(200);
    const reader = await createKey(t, tenant.id, { name: 'reader', scopes: ['users:read'] });
    expectDetail(
      await t.call({ method: 'POST', url: UPSERT, headers: { authorization: `Token ${reader}` }, payload: { user_id: 'r' } }),
      403,
    );
  });

  it('answers bad bodies in the envelope: malformed JSON, other media types', async () => {
    const tenant = await createTenant(t);
    const headers = { ...tokenOf(tenant), 'content-type': 'application/json' };
    expect(expectDetail(await t.call({ method: 'POST', url: UPSERT, headers, payload: '{"user_id": ' }), 400)).toMatch(/^JSON parse error/);
    const text = await t.call({ method: 'POST', url: UPSERT, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'user_id=x' });
    expectDetail(text, 415);
    expectFields(await t.call({ method: 'POST', url: UPSERT, headers, payload: '' }), ['user_id']);
    expectFields(await t.call({ method: 'POST', url: UPSERT, headers, payload: '"text"' }), ['non_field_errors']);
    expectFields(await postForm(tenant, UPSERT, 'user_id=x&a%00b=1'), ['a\u0000b']);
    expectFields(await postForm(tenant, UPSERT, 'user_id=x%00y'), ['user_id']);
  });

  it('answers a key over its rate limit with 429 in DRF’s words', async () => {
    const tenant = await createTenant(t);
    const key = await createKey(t, tenant.id, { name: 'limited', rateLimit: { max: 1, windowSeconds: 60 } });
    const headers = { authorization: `Token ${key}` };
    expect((await t.call({ method: 'POST', url: UPSERT, headers, payload: { user_id: 'rl' } })).statusCode).toBe(200);
    const limited = await t.call({ method: 'POST', url: UPSERT, headers, payload: { user_id: 'rl' } });
    expect(expectDetail(limited, 429)).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('answers other methods with 405 and unknown paths under /api/public with 404, in the envelope', async () => {
    const tenant = await createTenant(t);
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const upsert = await t.call({ method, url: UPSERT, headers: tokenOf(tenant) });
      expectDetail(upsert, 405, `Method "${method}" not allowed.`);
      expect(upsert.headers.allow).toBe('POST');
      const attribute = await t.call({ method, url: `${BASE}/users/1/set_attribute`, headers: tokenOf(tenant) });
      expectDetail(attribute, 405);
      expect(attribute.headers.allow).toBe('POST');
    }
    expectDetail(await t.call({ method: 'GET', url: UPSERT }), 401);
    expectDetail(await t.call({ method: 'POST', url: `${BASE}/users/elsewhere/`, headers: tokenOf(tenant) }), 404, 'Not found.');
    expectDetail(await t.call({ method: 'GET', url: `${BASE}/companies/`, headers: tokenOf(tenant) }), 404, 'Not found.');
  });
});
