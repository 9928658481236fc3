/**
 * Naviga dialect (seed 004_07ec890427119cf6.txt): the document's Get By Email replayed against Roster in its
 * three cases (no provider; provider ignored; provider merged), with the provider up, down and slow; the
 * envelope, every documented field, the codes against the key, the document's events, and the sealed id.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/core/secret-box.ts';
import { openCustomerRegistrationId, sealCustomerRegistrationId } from '../../src/dialects/naviga/naviga.ids.ts';
import { ageOn, METADATA_KEYS } from '../../src/dialects/naviga/naviga.mapping.ts';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { AUTH0_CLIENT, type Stub, sendJson, startAuth0, startStub } from '../helpers/upstream.ts';
import { createUser, listEvents } from '../helpers/users.ts';

type Res = Awaited<ReturnType<TestApp['call']>>;

const golden = (name: string) => JSON.parse(readFileSync(new URL(`./golden/naviga/${name}.json`, import.meta.url), 'utf8'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isUuid = (v: unknown) => typeof v === 'string' && UUID.test(v);
const secretKey = Buffer.alloc(32, 7);

/** Values that differ per run: checked by JSON type and format, everything else by value. */
const OPAQUE: Record<string, (v: unknown) => boolean> = {
  'data[0].customerRegistrationId': isUuid,
  'data[0].encryptedCustomerRegistrationId': (v) => typeof v === 'string' && /^v1\.[A-Za-z0-9_-]+$/.test(v),
  'data[0].metadata.age': (v) => typeof v === 'string' && /^\d+$/.test(v),
  'message.text': (v) => typeof v === 'string' && v.length > 0,
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

function expectNavigaError(res: Res, status: number, code: string): any {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(body).toEqual({ message: { code, text: expect.any(String), type: 'Error' }, data: [], meta: { totalRecords: 0 } });
  return body;
}

let t: TestApp;
let auth0: Awaited<ReturnType<typeof startAuth0>>;
let down: Stub;
let hanging: Stub;

interface Scenario {
  tenant: TestTenant;
  codes: { clientGroup: string; client: string; paper: string };
}

let seq = 0;
async function scenario(provider?: Record<string, unknown>): Promise<Scenario> {
  seq += 1;
  const codes = { clientGroup: `CG${seq}`, client: `CL${seq}`, paper: `PP${seq}` };
  const tenant = await createTenant(t, { codes });
  if (provider) {
    const res = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/providers`, headers: adminAuth(), payload: provider });
    expect(res.statusCode, res.body).toBe(201);
  }
  await createUser(t, tenant, {
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    name: 'Augusta Ada King',
    phone: '+442071838750',
    gender: 'female',
    birthDate: '1985-12-10',
    city: 'London',
    country: 'GB',
    postalCode: 'W1A 1AA',
    timezone: 'Europe/London',
    consents: { acceptsEmailOffers: true },
  });
  return { tenant, codes };
}

const auth0Provider = (endpoint: string, extra: Record<string, unknown> = {}) => ({
  name: 'auth0',
  type: 'auth0',
  endpoint,
  credentials: AUTH0_CLIENT,
  ...extra,
});

function headersOf(s: Scenario, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s.tenant.auth,
    'X-SourceSystem': 'ePaper',
    'X-ClientCode': s.codes.client,
    'X-PaperCode': s.codes.paper,
    'X-ClientGroupCode': s.codes.clientGroup,
    ...extra,
  };
}

function getUsers(s: Scenario, query: Record<string, string>, headers = headersOf(s)) {
  return t.call({ method: 'GET', url: '/v4/Users', query, headers });
}

async function navigaEvents(s: Scenario) {
  return (await listEvents(t, s.tenant)).filter((e) => e.type.startsWith('naviga.'));
}

beforeAll(async () => {
  t = await createTestApp({ config: { secretKey, allowPrivateUpstreams: true } });
  auth0 = await startAuth0([
    {
      user_id: 'auth0|ada',
      email: 'ada@example.com',
      email_verified: true,
      given_name: 'Augusta Ada',
      family_name: 'King',
    },
    { user_id: 'auth0|zed', email: 'zed@example.com', email_verified: false, given_name: 'Zed', family_name: 'Upstream' },
  ]);
  down = await startStub((_req, res) => sendJson(res, 503, { error: 'down' }));
  hanging = await startStub(() => {}); // never answers
});
afterAll(async () => {
  await t.close();
  await Promise.all([auth0.close(), down.close(), hanging.close()]);
});

describe('GET /v4/Users: the document’s three cases', () => {
  it('1. no provider configured: the Roster user, with every documented field', async () => {
    const s = await scenario();
    const res = await getUsers(s, { Email: 'ada@example.com', IgnoreProvider: 'false' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const expected = golden('get-by-email.response');
    // Without a provider, names are Roster's and nothing vouches for the email.
    Object.assign(expected.data[0], { firstName: 'Ada', lastName: 'Lovelace', verified: false });
    expectShape(body, expected);
    expect(Object.keys(body.data[0].metadata)).toEqual([...METADATA_KEYS]);
    const events = await navigaEvents(s);
    expect(events.map((e) => e.type)).toEqual(['naviga.SUBSCRIBE_USER_GET']);
    expect(events[0]).toMatchObject({ source: 'ePaper', userId: body.data[0].customerRegistrationId, data: { code: 4000 } });
  });

  it('2. provider configured, ignoreProvider=true: the Roster user only; the provider is not asked', async () => {
    const s = await scenario(auth0Provider(auth0.url));
    const before = auth0.requests.length;
    const res = await getUsers(s, { email: 'ada@example.com', ignoreProvider: 'true' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', verified: false });
    expect(auth0.requests.length).toBe(before);
    expect((await navigaEvents(s)).map((e) => e.type)).toEqual(['naviga.SUBSCRIBE_USER_GET']);
  });

  it('3. provider configured, ignoreProvider=false: the seed’s request, merged with the provider', async () => {
    const s = await scenario(auth0Provider(auth0.url));
    const seed = golden('get-by-email.request');
    expect(seed.url).toContain('/v4/Users?email=');
    const res = await t.call({ method: 'GET', url: '/v4/Users?email=ada@example.com&ignoreProvider=false', headers: headersOf(s) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expectShape(body, golden('get-by-email.response'));
    const id = body.data[0].customerRegistrationId;
    expect(openCustomerRegistrationId(createSecretBox(secretKey), s.tenant.id, body.data[0].encryptedCustomerRegistrationId)).toBe(id);
    expect(body.data[0].encryptedCustomerRegistrationId).not.toContain(id);

    const events = await navigaEvents(s);
    expect(events.map((e) => [e.type, e.data.code, e.source])).toEqual([
      ['naviga.SUBSCRIBE_USER_GET', 4000, 'ePaper'],
      ['naviga.AUTHSYSTEM_USER_GET', 4601, 'ePaper'],
      ['naviga.SUBSCRIBE_USER_UPDATE', 4004, 'ePaper'],
    ]);
    // The link is made once: a second call changes nothing locally.
    await getUsers(s, { email: 'ada@example.com' });
    const again = (await navigaEvents(s)).slice(3).map((e) => e.type);
    expect(again).toEqual(['naviga.SUBSCRIBE_USER_GET', 'naviga.AUTHSYSTEM_USER_GET']);
  });

  it('ignoreProvider defaults to false', async () => {
    const s = await scenario(auth0Provider(auth0.url));
    const res = await getUsers(s, { email: 'ADA@example.com' });
    expect(res.json().data[0]).toMatchObject({ firstName: 'Augusta Ada', verified: true });
  });

  it('a user only the provider knows: JIT provisioning creates the local user (SUBSCRIBE_USER_UPDATE)', async () => {
    const s = await scenario(auth0Provider(auth0.url, { jitProvisioning: true }));
    const res = await getUsers(s, { email: 'zed@example.com' });
    expect(res.statusCode, res.body).toBe(200);
    const item = res.json().data[0];
    expect(item).toMatchObject({ email: 'zed@example.com', firstName: 'Zed', lastName: 'Upstream', state: 'Active', verified: false });
    expect(item.customerRegistrationId).toMatch(UUID);
    const update = (await navigaEvents(s)).find((e) => e.type === 'naviga.SUBSCRIBE_USER_UPDATE');
    expect(update).toMatchObject({ userId: item.customerRegistrationId, data: { code: 4004, provisioned: true } });
  });

  it('a user only the provider knows, without JIT: the provider’s view with null ids', async () => {
    const s = await scenario(auth0Provider(auth0.url));
    const item = (await getUsers(s, { email: 'zed@example.com' })).json().data[0];
    expect(item).toMatchObject({ customerRegistrationId: null, encryptedCustomerRegistrationId: null, firstName: 'Zed' });
  });

  it('unknown email: data [] and totalRecords 0', async () => {
    for (const s of [await scenario(), await scenario(auth0Provider(auth0.url))]) {
      const res = await getUsers(s, { email: 'nobody@example.com' });
      expect(res.statusCode).toBe(200);
      expectShape(res.json(), golden('unknown-email.response'));
    }
  });

  it('a deactivated user is Inactive', async () => {
    const s = await scenario();
    const user = await createUser(t, s.tenant, { email: 'gone@example.com' });
    const off = await t.call({ method: 'POST', url: `/v1/users/${user.id}/deactivate`, headers: s.tenant.auth });
    expect(off.statusCode, off.body).toBeLessThan(300);
    expect((await getUsers(s, { email: 'gone@example.com' })).json().data[0].state).toBe('Inactive');
  });
});

describe('GET /v4/Users: the provider down or slow degrades to the local answer', () => {
  for (const [label, endpoint] of [
    ['down (503)', () => down.url],
    ['slow (no answer within timeoutMs)', () => hanging.url],
  ] as const) {
    it(label, async () => {
      const s = await scenario(auth0Provider(endpoint(), { timeoutMs: 300 }));
      const started = Date.now();
      const res = await getUsers(s, { email: 'ada@example.com', ignoreProvider: 'false' });
      expect(res.statusCode, res.body).toBe(200);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.json().data[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', verified: false });
      const events = await navigaEvents(s);
      expect(events.map((e) => e.type)).toEqual(['naviga.SUBSCRIBE_USER_GET', 'naviga.AUTHSYSTEM_USER_GET']);
      expect(events[1].data).toMatchObject({ code: 4601, status: 'unavailable' });
    });
  }
});

describe('GET /v4/Users: headers, codes and errors', () => {
  it('missing email: 400 in the envelope (golden)', async () => {
    const s = await scenario();
    const res = await getUsers(s, {});
    expect(res.statusCode).toBe(400);
    expectShape(res.json(), golden('missing-email.response'));
    expectNavigaError(await getUsers(s, { email: 'not-an-email' }), 400, 'UsersOrchestrator_E400_02');
    expectNavigaError(await getUsers(s, { email: 'ada@example.com', ignoreProvider: 'maybe' }), 400, 'UsersOrchestrator_E400_04');
  });

  it('each mandatory header: 400 UsersOrchestrator_E400_03 when missing or blank', async () => {
    const s = await scenario();
    for (const name of ['X-SourceSystem', 'X-ClientCode', 'X-PaperCode', 'X-ClientGroupCode']) {
      const headers = headersOf(s);
      delete headers[name];
      const body = expectNavigaError(await getUsers(s, { email: 'ada@example.com' }, headers), 400, 'UsersOrchestrator_E400_03');
      expect(body.message.text).toContain(name);
      expectNavigaError(await getUsers(s, { email: 'ada@example.com' }, headersOf(s, { [name]: '  ' })), 400, 'UsersOrchestrator_E400_03');
    }
  });

  it('missing or bad key: 401 (golden); codes of another tenant: 401 UsersOrchestrator_E401_02', async () => {
    const s = await scenario();
    const other = await scenario();
    const noKey = headersOf(s);
    delete noKey.authorization;
    const res = await getUsers(s, { email: 'ada@example.com' }, noKey);
    expect(res.statusCode).toBe(401);
    expectShape(res.json(), golden('unauthorized.response'));
    expectNavigaError(
      await getUsers(s, { email: 'ada@example.com' }, headersOf(s, { authorization: 'Bearer nope' })),
      401,
      'UsersOrchestrator_E401_01',
    );
    for (const field of ['X-ClientCode', 'X-ClientGroupCode', 'X-PaperCode'] as const) {
      const wrong = headersOf(s, { [field]: headersOf(other)[field] });
      expectNavigaError(await getUsers(s, { email: 'ada@example.com' }, wrong), 401, 'UsersOrchestrator_E401_02');
    }
    // Codes compare trimmed and case-insensitively.
    const lower = headersOf(s, { 'X-ClientCode': ` ${s.codes.client.toLowerCase()} ` });
    expect((await getUsers(s, { email: 'ada@example.com' }, lower)).statusCode).toBe(200);
  });

  it('a brand’s paper code selects the brand; a brand key must send its own paper code', async () => {
    const s = await scenario();
    const brand = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${s.tenant.id}/brands`,
      headers: adminAuth(),
      payload: { slug: 'daily', name: 'Daily', codes: { paper: 'DAILY' } },
    });
    expect(brand.statusCode, brand.body).toBe(201);
    expect((await getUsers(s, { email: 'ada@example.com' }, headersOf(s, { 'X-PaperCode': 'daily' }))).statusCode).toBe(200);
    const key = await createKey(t, s.tenant.id, { name: 'daily', brand: 'daily' });
    const brandHeaders = (paper: string) => headersOf(s, { authorization: `Bearer ${key}`, 'X-PaperCode': paper });
    expect((await getUsers(s, { email: 'ada@example.com' }, brandHeaders('DAILY'))).statusCode).toBe(200);
    expectNavigaError(await getUsers(s, { email: 'ada@example.com' }, brandHeaders(s.codes.paper)), 401, 'UsersOrchestrator_E401_02');
  });

  it('a key without users:read: 403; unknown paths under /v4: 404, other methods: 405 with Allow, in the envelope', async () => {
    const s = await scenario();
    const key = await createKey(t, s.tenant.id, { name: 'w', scopes: ['users:write'] });
    expectNavigaError(
      await getUsers(s, { email: 'ada@example.com' }, headersOf(s, { authorization: `Bearer ${key}` })),
      403,
      'UsersOrchestrator_E403_01',
    );
    expectNavigaError(await t.call({ method: 'GET', url: '/v4/Nope', headers: headersOf(s) }), 404, 'UsersOrchestrator_E404_01');
    const wrongMethod = await t.call({ method: 'DELETE', url: '/v4/Users', headers: headersOf(s) });
    expectNavigaError(wrongMethod, 405, 'UsersOrchestrator_E405_01');
    expect(wrongMethod.headers.allow).toBe('GET, HEAD');
  });
});

describe('encryptedCustomerRegistrationId', () => {
  const box = createSecretBox(secretKey);
  const id = '0190a0b0-0000-7000-8000-000000000001';

  it('opens to the id, does not reveal it, and is refused when altered or used in another tenant', () => {
    const token = sealCustomerRegistrationId(box, 'tenant-a', id);
    expect(token).not.toContain(id);
    expect(Buffer.from(token.slice(3), 'base64url').toString('latin1')).not.toContain(id);
    expect(openCustomerRegistrationId(box, 'tenant-a', token)).toBe(id);
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(() => openCustomerRegistrationId(box, 'tenant-a', flipped)).toThrow();
    expect(() => openCustomerRegistrationId(box, 'tenant-b', token)).toThrow();
    expect(() => openCustomerRegistrationId(createSecretBox(Buffer.alloc(32, 8)), 'tenant-a', token)).toThrow();
  });

  it('age is whole years on the day', () => {
    expect(ageOn('2000-06-15', new Date('2025-06-14T12:00:00Z'))).toBe(24);
    expect(ageOn('2000-06-15', new Date('2025-06-15T00:00:00Z'))).toBe(25);
  });
});
