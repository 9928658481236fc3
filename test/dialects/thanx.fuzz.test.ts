/**
 * Generated bodies, raw payloads and headers against Thanx's POST /users: whatever arrives, the answer is a 201
 * or a 4xx in the Thanx envelope, never a 5xx and never the native problem+json.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { createBrand, createUser } from '../helpers/users.ts';

const RUNS = 150;
const KNOWN_EMAILS = ['known.one@example.com', 'known.two@example.com'];

let t: TestApp;
let tenant: TestTenant;
let brandKey: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  await createBrand(t, tenant, 'fuzz-brand');
  brandKey = await createKey(t, tenant.id, { name: 'brand', brand: 'fuzz-brand' });
  for (const email of KNOWN_EMAILS) await createUser(t, tenant, { email, phone: email === KNOWN_EMAILS[0] ? '+14155550100' : null });
});
afterAll(() => t.close());

type Res = Awaited<ReturnType<TestApp['call']>>;

function expectThanxAnswer(res: Res, sent: unknown): void {
  const context = `${res.statusCode} ${res.body.slice(0, 400)} <- ${JSON.stringify(sent)?.slice(0, 400)}`;
  expect(res.statusCode, context).toBeLessThan(500);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/json/);
  const body = JSON.parse(res.body);
  if (res.statusCode === 201) {
    expect(Object.keys(body).sort(), context).toEqual(['authorization', 'user']);
    return;
  }
  expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
  expect(Object.keys(body), context).toEqual(['error']);
  expect(body.error.code, context).toMatch(/^[a-z_]+$/);
  expect(typeof body.error.message, context).toBe('string');
  expect(typeof body.error.request_id, context).toBe('string');
  for (const field of body.error.fields ?? []) expect(Object.keys(field).sort(), context).toEqual(['code', 'field', 'message']);
}

const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom('\u202e', '\ufeff', '𝕏', 'null', '  padded  ', "O'Brien", '<b>x</b>', '', '   ') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800') },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 5000 }).map((n) => 'x'.repeat(n)) },
);

const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('json'), { maxKeys: 4 }),
  ),
}));

const email = fc.oneof(
  { weight: 6, arbitrary: fc.emailAddress() },
  { weight: 2, arbitrary: fc.constantFrom(...KNOWN_EMAILS, 'KNOWN.ONE@example.com ', 'not-an-email', '') },
  { weight: 1, arbitrary: nasty },
);

const birthDate = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      year: fc.integer({ min: 1850, max: 2100 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ year: json, month: json, day: json }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom(null, '1987-08-14', 19870814, { year: -1, month: 1, day: 1 }, { year: 1e20, month: 1, day: 1 }) },
);

const phone = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 9999 }).map((n) => `+1415555${String(n).padStart(4, '0')}`) },
  { weight: 2, arbitrary: fc.constantFrom('+14158672345', '+14155550100', '4158672345', '+1 415 867 2345', '+1', '+', '+999999999999999') },
  { weight: 1, arbitrary: nasty },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Any `user` hash: every field optional, any JSON where a string is expected now and then. */
const user = fc.record(
  {
    email,
    phone,
    first_name: fc.oneof({ weight: 4, arbitrary: nasty }, { weight: 1, arbitrary: json }),
    last_name: fc.oneof({ weight: 4, arbitrary: nasty }, { weight: 1, arbitrary: json }),
    birth_date: birthDate,
    gender: fc.oneof(fc.constantFrom('male', 'female', 'other', 'unknown', null), nasty),
    zip_code: fc.oneof({ weight: 4, arbitrary: nasty }, { weight: 1, arbitrary: json }),
    extra: json,
  },
  { requiredKeys: ['email'] },
);

/** Well-typed `user` hashes with hostile text: these reach the core and the database. */
const nearlyValid = fc.record({
  email: fc.oneof({ weight: 8, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: email }),
  phone: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 9999 }).map((n) => `+1415555${String(n).padStart(4, '0')}`) },
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: phone },
  ),
  first_name: nasty,
  last_name: nasty,
  birth_date: fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .date({ min: new Date('1900-01-01'), max: new Date('2020-12-31'), noInvalidDate: true })
        .map((d) => ({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() })),
    },
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: birthDate },
  ),
  gender: fc.constantFrom('male', 'female', 'other', 'unknown', null),
  zip_code: fc.oneof(nasty, fc.constant(null)),
});

const body = fc.oneof(
  { weight: 8, arbitrary: nearlyValid.map((u) => ({ user: u })) },
  { weight: 3, arbitrary: user.map((u) => ({ user: u })) },
  { weight: 1, arbitrary: fc.record({ user: json }) },
  { weight: 1, arbitrary: json },
);

function post(headers: Record<string, string>, payload: string, url = '/users/'): Promise<Res> {
  return t.call({ method: 'POST', url, headers, payload });
}

describe('property: Thanx POST /users', () => {
  it(`${RUNS} generated bodies: no 5xx, always the Thanx envelope`, { timeout: 180_000 }, async () => {
    let runs = 0;
    let created = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), fc.boolean(), async (sent, useBrand, slash) => {
        const key = useBrand ? brandKey : tenant.key;
        const res = await post(
          { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          JSON.stringify(sent) ?? 'null',
          slash ? '/users/' : '/users',
        );
        expectThanxAnswer(res, sent);
        runs++;
        if (res.statusCode === 201) created++;
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
    );
    expect(runs).toBeGreaterThanOrEqual(50);
    // The generators must reach the database, not only the validator.
    expect(created).toBeGreaterThanOrEqual(Math.ceil(runs / 20));
  });

  it(`${RUNS} raw payloads and content types: no 5xx, always the Thanx envelope`, { timeout: 180_000 }, async () => {
    const payload = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('{', '{"user":', '[]', 'null', '"x"', '{"user":{"email":"a@b.co"}}}', '\u0000', '{"user":{"email":"\\ud800"}}'),
      json.map((v) => JSON.stringify(v) ?? 'null'),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
    );
    await fc.assert(
      fc.asyncProperty(payload, contentType, async (sent, type) => {
        const headers: Record<string, string> = { authorization: `Bearer ${tenant.key}` };
        if (type) headers['content-type'] = type;
        expectThanxAnswer(await post(headers, sent), sent);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
    );
  });

  it(`${RUNS} generated headers: no 5xx, a bad key always a 401 in the envelope`, { timeout: 180_000 }, async () => {
    const authorization = fc.oneof(
      fc.constant(null),
      fc.constantFrom('Bearer', 'Bearer ', 'Token', 'Basic dXNlcjpwYXNz', 'bearer x', `Bearer ${'A'.repeat(64)}`),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc.stringMatching(/^[A-Za-z0-9]{64}$/).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 80 }),
      fc.constant('valid'),
    );
    const extra = fc.record(
      {
        'accept-version': fc.oneof(fc.constantFrom('v4.0', 'v2', ''), fc.string({ maxLength: 20 })),
        'x-clientid': fc.string({ maxLength: 40 }),
        accept: fc.constantFrom('application/json', '*/*', 'text/html', 'application/xml'),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(authorization, extra, async (auth, headers) => {
        const sent: Record<string, string> = { ...headers, 'content-type': 'application/json' };
        // Header values must be Latin-1 to be sent at all; anything else never reaches the server.
        for (const [name, v] of Object.entries(sent)) if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(v)) delete sent[name];
        if (auth === 'valid') sent.authorization = `Bearer ${tenant.key}`;
        else if (auth !== null && /^[\t\x20-\x7e\x80-\xff]*$/.test(auth)) sent.authorization = auth;
        const payload = JSON.stringify({ user: { email: `hdr${n++}-${Date.now()}@example.com`, first_name: 'H', last_name: 'D' } });
        const res = await post(sent, payload);
        expectThanxAnswer(res, sent);
        if (sent.authorization !== `Bearer ${tenant.key}`) expect(res.statusCode, res.body).toBe(401);
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
    );
  });
});
