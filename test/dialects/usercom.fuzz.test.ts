import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { defineAttribute } from '../helpers/users.ts';

/**
 * Generated bodies, form fields, paths and headers against the User.com dialect: whatever arrives, the answer is a
 * 2xx in User.com's shape or a 4xx in DRF's envelope (`{"detail": "..."}` or `{"<field>": ["..."]}`), never a 5xx
 * and never problem+json.
 */

const RUNS = 150;
const BASE = '/api/public';
const UPSERT = `${BASE}/users/update_or_create/`;

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
let number: number;

beforeAll(async () => {
  t = await createTestApp(process.env.ROSTER_TEST_LOG ? { config: { logLevel: 'error' }, logStream: process.stderr } : {});
  tenant = await createTenant(t, { defaultCountry: 'PL' });
  other = await createTenant(t);
  await defineAttribute(t, tenant, { name: 'plan', type: 'string' });
  await defineAttribute(t, tenant, { name: 'age', type: 'number' });
  await defineAttribute(t, tenant, { name: 'vip', type: 'boolean' });
  await defineAttribute(t, tenant, { name: 'since', type: 'date' });
  await defineAttribute(t, tenant, { name: 'status', type: 'string' });
  await defineAttribute(t, tenant, { name: 'code', type: 'string', unique: true });
  const res = await t.call({
    method: 'POST',
    url: UPSERT,
    headers: { authorization: `Token ${tenant.key}` },
    payload: { user_id: 'target', email: 'target@example.com' },
  });
  number = res.json().id;
});
afterAll(() => t.close());

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.emailAddress() },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'target',
      'target@example.com',
      '+48512345678',
      '512 345 678',
      'Poland',
      'PL',
      'Europe/Warsaw',
      'https://example.com/x',
      'true',
      '1',
      '0',
      '2',
      '\u0000',
      'a\u0000b',
      '\ud83d',
      "'; drop table users; --",
      '%',
      '',
      '   ',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n)) },
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 1, 2, 3, 4, 2 ** 53 + 1, 1e308),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

const ALLOWED = [
  'assigned_to',
  'city',
  'company_id',
  'country',
  'email',
  'facebook_url',
  'first_name',
  'gender',
  'google_url',
  'gravatar_url',
  'last_name',
  'linkedin_url',
  'notifications',
  'phone_number',
  'region',
  'score',
  'status',
  'timezone',
  'twitter_url',
  'unsubscribed',
  'user_id',
];

/** Bodies that are mostly well typed, so they reach the core and the database. */
const nearlyValid = fc.record(
  {
    user_id: fc.oneof(fc.constantFrom('target', 'fuzz-a', 'fuzz-b'), fc.integer({ min: 0, max: 99 }), text),
    email: fc.oneof(fc.emailAddress(), fc.constant('target@example.com'), text, fc.constant(null)),
    first_name: fc.oneof(text, fc.constant(null)),
    phone_number: fc.oneof(fc.constantFrom('512345678', '+48512345678'), fc.integer({ min: 0, max: 999_999_999 }), text),
    country: fc.oneof(fc.constantFrom('PL', 'Poland', 'de', 'Atlantis', null), text),
    timezone: fc.oneof(fc.constantFrom('Europe/Warsaw', 'UTC', 'Mars/Base'), text),
    gender: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('male', 'female', 'other', 'x'), fc.constant(null)),
    score: fc.oneof(fc.integer(), fc.double(), fc.constant(null), text),
    facebook_url: fc.oneof(fc.webUrl(), text, fc.constant(null)),
    gravatar_url: fc.oneof(fc.webUrl(), text, fc.constant(null)),
    unsubscribed: fc.oneof(fc.boolean(), fc.constant(null), text),
    notifications: fc.oneof(fc.boolean(), fc.constant(null)),
    status: value,
    company_id: fc.oneof(fc.constantFrom('acme', 'acme-2'), fc.integer({ min: 0, max: 5 }), text, fc.constant(null)),
  },
  { requiredKeys: ['user_id'] },
);

const body = fc.oneof(
  { weight: 6, arbitrary: nearlyValid },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...ALLOWED, '__proto__', 'extra'), text), value, { maxKeys: 6 }) },
  { weight: 1, arbitrary: value },
);

/** Form bodies: allowed and stray names, text values, with their encoding sometimes broken. */
const formBody = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...ALLOWED, 'plan', 'age', 'vip', 'attribute', 'value'), text), text), { maxLength: 8 })
  .map((pairs) => new URLSearchParams(pairs).toString());
const rawForm = fc.oneof(formBody, fc.string({ maxLength: 120 }), fc.constantFrom('%', '%zz=1', 'a=%E0%A4%A', '=&=', '&&&', 'user_id=%00'));

const attributeName = fc.oneof(fc.constantFrom('plan', 'age', 'vip', 'since', 'status', 'code', 'nope', '__proto__', '1x'), text);
const setBody = fc.oneof(
  { weight: 5, arbitrary: fc.record({ attribute: attributeName, value }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: value },
);
const multipleBody = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(attributeName, value, { maxKeys: 5 }) },
  { weight: 1, arbitrary: value },
);

/** Header values a real HTTP parser lets through (visible ASCII, spaces, obs-text). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
);

type Res = Awaited<ReturnType<TestApp['call']>>;

/** Asserts no 5xx, JSON, and DRF's envelope on every 4xx; returns the parsed answer. */
function expectUserComAnswer(res: Res, sent: unknown): any {
  const context = `${res.statusCode} ${res.body.slice(0, 400)} <- ${JSON.stringify(sent)?.slice(0, 400)}`;
  expect(res.statusCode, context).toBeGreaterThanOrEqual(200);
  expect(res.statusCode, context).toBeLessThan(500);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/json/);
  const answer = JSON.parse(res.body);
  expect(typeof answer === 'object' && answer !== null && !Array.isArray(answer), context).toBe(true);
  if (res.statusCode >= 400) {
    const entries = Object.entries(answer);
    expect(entries.length, context).toBeGreaterThan(0);
    if (res.statusCode !== 400 || Object.hasOwn(answer, 'detail')) {
      expect(Object.keys(answer), context).toEqual(['detail']);
      expect(typeof answer.detail, context).toBe('string');
    } else {
      for (const [, messages] of entries) {
        expect(Array.isArray(messages), context).toBe(true);
        for (const message of messages as unknown[]) expect(typeof message, context).toBe('string');
      }
    }
  }
  return answer;
}

function expectUser(answer: any, context: unknown): void {
  expect(Number.isSafeInteger(answer.id), JSON.stringify(context)).toBe(true);
  expect(typeof answer.attributes).toBe('object');
  expect([1, 2, 3]).toContain(answer.gender);
  expect(typeof answer.unsubscribed).toBe('boolean');
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Token ${tenant.key}`, ...extra };
}

describe('User.com fuzz', () => {
  it('POST update_or_create: generated JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (sent, slash) => {
        const res = await t.call({
          method: 'POST',
          url: slash ? UPSERT : UPSERT.slice(0, -1),
          headers: headers({ 'content-type': 'application/json' }),
          payload: JSON.stringify(sent) ?? '',
        });
        const answer = expectUserComAnswer(res, sent);
        if (res.statusCode < 300) {
          expect(res.statusCode).toBe(200);
          expect(Object.keys(answer).sort()).toEqual(['created', 'id']);
          expect(typeof answer.created).toBe('boolean');
          expect(Number.isSafeInteger(answer.id)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('POST update_or_create: generated form bodies, under form and JSON content types', async () => {
    await fc.assert(
      fc.asyncProperty(rawForm, fc.constantFrom('application/x-www-form-urlencoded', 'application/json'), async (sent, type) => {
        const res = await t.call({ method: 'POST', url: UPSERT, headers: headers({ 'content-type': type }), payload: sent });
        expectUserComAnswer(res, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST update_or_create: raw bytes and content types', async () => {
    const raw = fc.record({
      payload: fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.constantFrom('{', '{"user_id":', '[]', 'null', '""', '\u0000')),
      type: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json; charset=latin1',
      ),
    });
    await fc.assert(
      fc.asyncProperty(raw, async (sent) => {
        const res = await t.call({ method: 'POST', url: UPSERT, headers: headers({ 'content-type': sent.type }), payload: sent.payload });
        expectUserComAnswer(res, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST set_attribute: generated bodies and user ids, JSON or form', async () => {
    const sentArb = fc.record({
      path: fc.oneof(
        fc.constant(`/users/${number}`),
        fc.constant('/users-by-id/target'),
        fc.integer({ min: -5, max: 1_000_000 }).map((n) => `/users/${n}`),
        text.filter((id) => !/[\ud800-\udfff]/.test(id)).map((id) => `/users-by-id/${encodeURIComponent(id)}`),
      ),
      body: setBody,
      form: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(sentArb, async (sent) => {
        const isObject = typeof sent.body === 'object' && sent.body !== null && !Array.isArray(sent.body);
        const form = sent.form && isObject;
        const payload = form
          ? new URLSearchParams(
              Object.entries(sent.body as object).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
            ).toString()
          : (JSON.stringify(sent.body) ?? '');
        const res = await t.call({
          method: 'POST',
          url: `${BASE}${sent.path}/set_attribute/`,
          headers: headers({ 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
          payload,
        });
        const answer = expectUserComAnswer(res, sent);
        if (res.statusCode < 300) expectUser(answer, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST set_multiple_attributes: generated bodies', async () => {
    await fc.assert(
      fc.asyncProperty(multipleBody, fc.boolean(), async (sent, byCallerId) => {
        const url = byCallerId ? `${BASE}/users-by-id/target/set_multiple_attributes` : `${BASE}/users/${number}/set_multiple_attributes/`;
        const res = await t.call({
          method: 'POST',
          url,
          headers: headers({ 'content-type': 'application/json' }),
          payload: JSON.stringify(sent) ?? '',
        });
        const answer = expectUserComAnswer(res, sent);
        if (res.statusCode < 300) expectUser(answer, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('every route: generated authorization headers, methods and paths', async () => {
    const sentArb = fc.record({
      url: fc.constantFrom(
        UPSERT,
        UPSERT.slice(0, -1),
        `${BASE}/users/${number}/set_attribute/`,
        `${BASE}/users-by-id/target/set_multiple_attributes/`,
        `${BASE}/users/`,
        `${BASE}/elsewhere`,
      ),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') as fc.Arbitrary<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>,
      authorization: fc.option(
        fc.oneof(
          headerValue,
          fc.constantFrom(`Token ${tenant.key}`, `Token ${other.key}`, `Bearer ${tenant.key}`, 'Token ', 'Token x', tenant.key),
        ),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(sentArb, async (sent) => {
        const h: Record<string, string> = { 'content-type': 'application/json' };
        if (sent.authorization !== undefined) h.authorization = sent.authorization;
        const res = await t.call({
          method: sent.method,
          url: sent.url,
          headers: h,
          ...(sent.method !== 'GET' ? { payload: '{"user_id":"target","attribute":"plan","value":"x"}' } : {}),
        });
        expectUserComAnswer(res, sent);
        if (res.statusCode < 300)
          expect(sent.authorization === `Token ${tenant.key}` || sent.authorization === `Bearer ${tenant.key}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps answering', async () => {
    const res = await t.call({ method: 'POST', url: UPSERT, headers: headers(), payload: { user_id: 'target' } });
    expect(res.statusCode, res.body).toBe(200);
  });
});
