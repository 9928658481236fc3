import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

/**
 * Generated bodies, queries and headers against the TagMango dialect: whatever arrives, the answer is a 2xx in
 * TagMango's user shape or a 4xx in TagMango's error envelope, never a 5xx and never problem+json.
 */

const RUNS = 150;
const USERS = '/api/v1/external/users';

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
let host: string;
let otherHost: string;
let refreshToken: string;

beforeAll(async () => {
  t = await createTestApp(process.env.ROSTER_TEST_LOG ? { config: { logLevel: 'error' }, logStream: process.stderr } : {});
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  host = `fuzz-${suffix}.tagmango.test`;
  otherHost = `fuzz-other-${suffix}.tagmango.test`;
  tenant = await createTenant(t, { hosts: [host], defaultCountry: 'IN', currency: 'USD' });
  other = await createTenant(t, { hosts: [otherHost], currency: 'EUR' });
  const user = await t.call({
    method: 'POST',
    url: '/v1/users',
    headers: tenant.auth,
    payload: { email: 'target@example.com', phone: '+919876543210' },
  });
  const session = await t.call({ method: 'POST', url: `/v1/users/${user.json().id}/sessions`, headers: tenant.auth });
  refreshToken = session.json().refreshToken;
});
afterAll(() => t.close());

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.emailAddress() },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '+919876543210',
      '9876543210',
      '98765 43210',
      '+1',
      'IN',
      'in',
      'India',
      'United States',
      'Atlantis',
      'target@example.com',
      'TARGET@example.com',
      '\u0000',
      'a\u0000b@example.com',
      '\ud83d',
      "'; drop table users; --",
      '%',
      '',
      '   ',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'x'.repeat(n)) },
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 9876543210, 2 ** 53 + 1, 1e308),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

/** Bodies that are mostly well typed, so they reach the core and the database. */
const nearlyValid = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), fc.constant('target@example.com'), text, fc.constant(null)),
    phone: fc.oneof(
      fc.integer({ min: 6_000_000_000, max: 9_999_999_999 }),
      fc.integer({ min: 0, max: 99_999_999 }).map((n) => `98${String(n).padStart(8, '0')}`),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      text,
      fc.constant(null),
    ),
    name: fc.oneof(text, fc.constant(null)),
    country: fc.oneof(fc.constantFrom('IN', 'us', 'GB', 'India', 'United Kingdom', 'ZZ', null), text),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 6, arbitrary: nearlyValid },
  {
    weight: 2,
    arbitrary: fc.dictionary(fc.constantFrom('email', 'phone', 'name', 'country', '__proto__', 'extra'), value, { maxKeys: 6 }),
  },
  { weight: 1, arbitrary: value },
);

const query = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), fc.constant('target@example.com'), text),
    phone: fc.oneof(fc.constantFrom('9876543210', '+919876543210', '2015550123'), text),
    country: fc.oneof(fc.constantFrom('IN', 'US', 'India'), text),
    refreshToken: text,
  },
  { requiredKeys: [] },
);

/** Header values a real HTTP parser lets through (visible ASCII, spaces, obs-text). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
);

type Res = Awaited<ReturnType<TestApp['call']>>;

function expectMangoAnswer(res: Res, sent: unknown): void {
  const context = `${res.statusCode} ${res.body.slice(0, 400)} <- ${JSON.stringify(sent)?.slice(0, 400)}`;
  expect(res.statusCode, context).toBeGreaterThanOrEqual(200);
  expect(res.statusCode, context).toBeLessThan(500);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/json/);
  const answer = JSON.parse(res.body);
  if (res.statusCode >= 400) {
    expect(Object.keys(answer).sort(), context).toEqual(['code', 'message', 'statusMessage', 'success', 'type']);
    expect(answer.code, context).toBe(res.statusCode);
    expect(answer.success, context).toBe(false);
    expect(answer.statusMessage, context).toMatch(/^[A-Z_]+$/);
    expect(typeof answer.type, context).toBe('string');
    expect(typeof answer.message, context).toBe('string');
    return;
  }
  expect(res.statusCode, context).toBe(200);
  expect(typeof answer._id, context).toBe('string');
  for (const key of ['name', 'email', 'country', 'dialCode', 'currency']) {
    expect(answer[key] === null || typeof answer[key] === 'string', `${key}: ${context}`).toBe(true);
  }
  expect(answer.phone === null || Number.isSafeInteger(answer.phone), context).toBe(true);
  // The key and the host of either tenant may match: the answer carries that tenant's currency.
  expect(['USD', 'EUR'], context).toContain(answer.currency);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { ...tenant.auth, 'x-whitelabel-host': host, ...extra };
}

describe('TagMango fuzz', () => {
  it('POST /api/v1/external/users: generated bodies', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const res = await t.call({
          method: 'POST',
          url: USERS,
          headers: headers({ 'content-type': 'application/json' }),
          payload: JSON.stringify(sent) ?? '',
        });
        expectMangoAnswer(res, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /api/v1/external/users: raw bytes and content types', async () => {
    const raw = fc.record({
      payload: fc.oneof(fc.string({ maxLength: 200 }), fc.json(), fc.constantFrom('{', '{"email":', '[]', 'null', '""', '\u0000')),
      type: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'application/json; charset=latin1',
      ),
    });
    await fc.assert(
      fc.asyncProperty(raw, async (sent) => {
        const res = await t.call({ method: 'POST', url: USERS, headers: headers({ 'content-type': sent.type }), payload: sent.payload });
        expectMangoAnswer(res, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /api/v1/external/users: generated queries', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (sent) => {
        const res = await t.call({ method: 'GET', url: USERS, headers: headers(), query: sent as Record<string, string> });
        expectMangoAnswer(res, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /api/v1/external/users/me: generated queries and x-refresh-token headers', async () => {
    const sentArb = fc.record({
      query: query,
      header: fc.option(fc.oneof(headerValue, fc.constant(refreshToken)), { nil: undefined }),
      live: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(sentArb, async (sent) => {
        const q = { ...sent.query, ...(sent.live ? { refreshToken } : {}) } as Record<string, string>;
        const extra: Record<string, string> = sent.header !== undefined ? { 'x-refresh-token': sent.header } : {};
        const res = await t.call({ method: 'GET', url: `${USERS}/me`, headers: headers(extra), query: q });
        expectMangoAnswer(res, sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('every route: generated authorization and x-whitelabel-host headers', async () => {
    const sentArb = fc.record({
      route: fc.constantFrom(
        { method: 'POST' as const, url: USERS },
        { method: 'GET' as const, url: `${USERS}?email=target%40example.com` },
        { method: 'GET' as const, url: `${USERS}/me?refreshToken=${'A'.repeat(43)}` },
        { method: 'GET' as const, url: `${USERS}/elsewhere` },
      ),
      authorization: fc.option(
        fc.oneof(
          headerValue,
          fc.constantFrom(tenant.auth.authorization, other.auth.authorization, `Token ${tenant.key}`, 'Bearer ', 'Bearer x'),
        ),
        { nil: undefined },
      ),
      host: fc.option(fc.oneof(headerValue, fc.constantFrom(host, otherHost, host.toUpperCase(), ` ${host} `, '')), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(sentArb, async (sent) => {
        const h: Record<string, string> = { 'content-type': 'application/json' };
        if (sent.authorization !== undefined) h.authorization = sent.authorization;
        if (sent.host !== undefined) h['x-whitelabel-host'] = sent.host;
        const res = await t.call({
          method: sent.route.method,
          url: sent.route.url,
          headers: h,
          ...(sent.route.method === 'POST' ? { payload: '{"email":"target@example.com"}' } : {}),
        });
        expectMangoAnswer(res, sent);
        // 200 only when the key and the host name the same tenant (either of the two).
        const sentHost = h['x-whitelabel-host']?.trim().toLowerCase();
        const ours = [tenant.auth.authorization, `Token ${tenant.key}`].includes(h.authorization ?? '') && sentHost === host;
        const theirs = h.authorization === other.auth.authorization && sentHost === otherHost;
        if (res.statusCode === 200) expect(ours || theirs, JSON.stringify(sent)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps answering', async () => {
    const res = await t.call({ method: 'GET', url: USERS, headers: headers(), query: { email: 'target@example.com' } });
    expect(res.statusCode, res.body).toBe(200);
  });
});
