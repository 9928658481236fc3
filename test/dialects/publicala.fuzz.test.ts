/**
 * Generated bodies, queries, ids and headers against every Publica.la endpoint: whatever arrives, the answer is a
 * success in the documented envelope or a 4xx in Laravel's error shape, never a 5xx and never problem+json.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

const RUNS = 150;
const USERS = '/integration-api/v1/dashboard/users';

let t: TestApp;
let tenant: TestTenant;
let planNumber = 1;
let userNumber: number;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t, { rejectCommonPasswords: false });
  const plan = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { name: 'Gold', defaultDuration: 'P1M' } });
  planNumber = plan.json().number;
  const user = await t.call({
    method: 'POST',
    url: USERS,
    headers: tenant.auth,
    payload: { external_id: 'known', email: 'known@example.com' },
  });
  userNumber = user.json().data.id;
});
afterAll(() => t.close());

type Res = Awaited<ReturnType<TestApp['call']>>;

/** A 2xx in the `{"CODE": "success", "data": ...}` envelope (or an empty 204), or a 4xx as Laravel answers it. */
function expectPublicaLaAnswer(res: Res, sent: unknown): void {
  const context = `${res.statusCode} ${res.body.slice(0, 400)} <- ${JSON.stringify(sent)?.slice(0, 400)}`;
  expect(res.statusCode, context).toBeLessThan(500);
  if (res.statusCode === 204) {
    expect(res.body, context).toBe('');
    return;
  }
  expect(String(res.headers['content-type']), context).toMatch(/^application\/json/);
  const body = JSON.parse(res.body);
  if (res.statusCode < 300) {
    expect(Object.keys(body), context).toEqual(['CODE', 'data']);
    expect(body.CODE, context).toBe('success');
    return;
  }
  expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
  expect(typeof body.message, context).toBe('string');
  if (res.statusCode !== 422) {
    expect(Object.keys(body), context).toEqual(['message']);
    return;
  }
  expect(Object.keys(body).sort(), context).toEqual(['errors', 'message']);
  expect(Object.keys(body.errors).length, context).toBeGreaterThan(0);
  for (const messages of Object.values(body.errors)) {
    expect(Array.isArray(messages), context).toBe(true);
    for (const message of messages as unknown[]) expect(message, context).toMatch(/^The .+\.$/s);
  }
}

const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('\u202e', '\ufeff', '𝕏', 'null', '  padded  ', "O'Brien", '<b>x</b>', '', '   ', '1', '0', 'true'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800') },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 3000 }).map((n) => 'x'.repeat(n)) },
);

const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('json'), { maxKeys: 3 }),
  ),
}));

const flag = fc.oneof(fc.boolean(), fc.constantFrom(0, 1, '0', '1', 'true', 'false', 2, 'yes', null, ''), json);
const integerish = fc.oneof(
  fc.integer({ min: -5, max: 1_000_001 }),
  fc.constantFrom(null, '', '5', '999999', '1000000', ' 7 ', '1e3', 1.5),
  fc.constant(0).map(() => planNumber),
  json,
);
const date = fc.oneof(
  fc.date({ min: new Date('1890-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('', null, '2099-02-30', '2099-12-31T00:00:00Z', 'tomorrow', '31/12/2099'),
  json,
);
const email = fc.oneof(
  { weight: 6, arbitrary: fc.emailAddress() },
  { weight: 2, arbitrary: fc.constantFrom('known@example.com', 'KNOWN@example.com ', 'not-an-email', '', null) },
  { weight: 1, arbitrary: json },
);
const externalId = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom('known', '123', String(2 ** 53), '', null) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: json },
);
const password = fc.oneof(fc.constantFrom('Abcd1234', 'a long passphrase', 'short', '', null), fc.string({ maxLength: 40 }), json);

const userBody = fc.record(
  {
    external_id: externalId,
    email,
    new_password: password,
    sessions_limit: integerish,
    assign_new_plan: integerish,
    new_plan_custom_valid_to: date,
    admin: flag,
    plan_admin: flag,
    only_sees_readable: flag,
    user_plan_name: fc.oneof(nasty, json),
    extra: json,
  },
  { requiredKeys: [] },
);

/** A body that passes validation, mostly: new users, the known one, plans, flags. */
const validBody = fc.record({
  external_id: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,16}$/), fc.constant('known')),
  email: fc.emailAddress().filter((e) => e.length <= 200),
  new_password: fc.constantFrom('a long passphrase', 'Abcd1234', undefined),
  sessions_limit: fc.oneof(fc.integer({ min: 1, max: 999_999 }), fc.constant(null)),
  admin: fc.boolean(),
  only_sees_readable: fc.constantFrom(0, 1),
  assign_new_plan: fc.oneof(
    fc.constant(null),
    fc.constant(0).map(() => planNumber),
  ),
});

/** A valid body with one field replaced by a generated value. */
const nearlyValid = fc
  .tuple(validBody, userBody)
  .chain(([valid, fuzz]) =>
    fc
      .subarray(Object.keys(fuzz), { maxLength: 1 })
      .map((keys) => ({ ...valid, ...Object.fromEntries(keys.map((k) => [k, fuzz[k as keyof typeof fuzz]])) })),
  );

const body = fc.oneof(
  { weight: 3, arbitrary: validBody },
  { weight: 4, arbitrary: nearlyValid },
  { weight: 4, arbitrary: userBody },
  { weight: 1, arbitrary: json },
);

/** Raw payloads: broken JSON, other media types, form bodies. */
const raw = fc.oneof(
  fc.record({
    type: fc.constant('application/json'),
    payload: fc.constantFrom('', '{', '{"email":', 'null', '[]', '"x"', '{"admin":tru}', '{"__proto__":{"x":1}}'),
  }),
  fc.record({ type: fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data'), payload: fc.string({ maxLength: 40 }) }),
  fc.record({
    type: fc.constant('application/x-www-form-urlencoded'),
    payload: fc
      .dictionary(fc.constantFrom('external_id', 'email', 'admin', 'sessions_limit', 'new_password', 'x'), fc.string({ maxLength: 20 }))
      .map((d) => new URLSearchParams(d).toString()),
  }),
);

const id = fc.oneof(
  fc.constant(0).map(() => String(userNumber)),
  fc.integer({ min: -10, max: 10_000_000 }).map(String),
  fc.constantFrom('abc', '1.5', '00', '9'.repeat(30), '%00', 'known', '%20', 'a%2Fb'),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s) || 'x'),
);

const query = fc.record(
  {
    email: fc.oneof(email, nasty).map((v) => (typeof v === 'string' ? v : String(JSON.stringify(v)))),
    query: fc.oneof(fc.constantFrom('deactivated', 'admins', 'all', ''), nasty),
    page: fc.oneof(fc.integer({ min: -3, max: 200_000 }).map(String), nasty),
    per_page: fc.oneof(fc.integer({ min: -3, max: 1000 }).map(String), nasty),
    other: nasty,
  },
  { requiredKeys: [] },
);

/** Auth as clients send it, right or wrong. */
const auth = fc.oneof(
  { weight: 6, arbitrary: fc.constant('good') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('none', 'bearer-bad', 'token-header-bad', 'query-bad', 'basic', 'x-user-token-good', 'query-good'),
  },
);

function headersOf(mode: string): { headers: Record<string, string>; query: string } {
  switch (mode) {
    case 'good':
      return { headers: tenant.auth, query: '' };
    case 'bearer-bad':
      return { headers: { authorization: 'Bearer abc' }, query: '' };
    case 'token-header-bad':
      return { headers: { 'x-user-token': 'y'.repeat(64) }, query: '' };
    case 'query-bad':
      return { headers: {}, query: 'api_token=zzz' };
    case 'basic':
      return { headers: { authorization: 'Basic Zm9vOmJhcg==' }, query: '' };
    case 'x-user-token-good':
      return { headers: { 'x-user-token': tenant.key }, query: '' };
    case 'query-good':
      return { headers: {}, query: `api_token=${tenant.key}` };
    default:
      return { headers: {}, query: '' };
  }
}

function withQuery(url: string, query: string): string {
  if (!query) return url;
  return url.includes('?') ? `${url}&${query}` : `${url}?${query}`;
}

describe('Publica.la fuzz: never a 5xx, always the documented or Laravel envelope', () => {
  it('POST /users with generated bodies', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, auth, async (payload, mode) => {
        const { headers, query } = headersOf(mode);
        const res = await t.call({
          method: 'POST',
          url: withQuery(`${USERS}/`, query),
          headers: { ...headers, 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        expectPublicaLaAnswer(res, payload);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
    // The generators reach both the success path and the validation path.
    expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
    expect(statuses.get(422) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
  });

  it('POST and PUT /users with raw payloads of every media type', async () => {
    await fc.assert(
      fc.asyncProperty(raw, fc.boolean(), async ({ type, payload }, put) => {
        const res = await t.call({
          method: put ? 'PUT' : 'POST',
          url: put ? `${USERS}/${userNumber}` : USERS,
          headers: { ...tenant.auth, 'content-type': type },
          payload,
        });
        expectPublicaLaAnswer(res, { type, payload });
      }),
      { numRuns: RUNS },
    );
  });

  it('PUT /users/{id} with generated ids and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(id, body, auth, async (userId, payload, mode) => {
        const { headers, query } = headersOf(mode);
        const res = await t.call({
          method: 'PUT',
          url: withQuery(`${USERS}/${userId}`, query),
          headers: { ...headers, 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        expectPublicaLaAnswer(res, { userId, payload });
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /users with generated queries', async () => {
    await fc.assert(
      fc.asyncProperty(query, auth, async (params, mode) => {
        const { headers, query: auth } = headersOf(mode);
        const search = new URLSearchParams(params as Record<string, string>).toString();
        const res = await t.call({ method: 'GET', url: withQuery(withQuery(USERS, search), auth), headers });
        expectPublicaLaAnswer(res, params);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET, DELETE, re-activate and force-logout with generated ids', async () => {
    const routes = [
      { method: 'GET', path: (u: string) => `${USERS}/${u}` },
      { method: 'DELETE', path: (u: string) => `${USERS}/${u}` },
      { method: 'PUT', path: (u: string) => `${USERS}/${u}/re-activate` },
      { method: 'POST', path: (u: string) => `/integration-api/v1/users/${u}/force-logout` },
      { method: 'POST', path: (u: string) => `${USERS}/${u}/force-logout` },
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), id, auth, async (route, userId, mode) => {
        const { headers, query } = headersOf(mode);
        const res = await t.call({ method: route.method, url: withQuery(route.path(userId), query), headers });
        expectPublicaLaAnswer(res, { route: route.method, userId });
      }),
      { numRuns: RUNS },
    );
  });

  it('unknown paths and methods under /integration-api answer Laravel’s 404', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
        async (method, tail) => {
          const res = await t.call({ method, url: `/integration-api/v1/x/${tail}`, headers: tenant.auth });
          expectPublicaLaAnswer(res, { method, tail });
          expect(res.statusCode).toBe(404);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
