import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userInputProperties } from '../../../src/modules/users/users.schemas.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

/**
 * Generated JSON bodies against the user write routes: whatever arrives, the answer is a 2xx or a 4xx
 * in JSON, never a 5xx, and the server keeps answering.
 */

const RUNS = 150;
const KNOWN = Object.keys(userInputProperties);

let t: TestApp;
let tenant: TestTenant;
let freeform: TestTenant;
let userId: string;
let freeformUserId: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t, { defaultCountry: 'IN' });
  freeform = await createTenant(t, { allowFreeformAttributes: true });
  const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'target@example.com' } });
  userId = res.json().id;
  const other = await t.call({ method: 'POST', url: '/v1/users', headers: freeform.auth, payload: { email: 'target@example.com' } });
  freeformUserId = other.json().id;
});
afterAll(() => t.close());

const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 120_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800', ' ', '%', '"'))
  .map(([n, c]) => c.repeat(n));

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.emailAddress() },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '+919876543210',
      '9876543210',
      '2000-01-01',
      '2000-02-30',
      'IN',
      'zz',
      'Asia/Kolkata',
      'Mars/Base',
      'admin',
      'female',
      'https://example.com/a.png',
      'javascript:alert(1)',
      '\u0000',
      'a\u0000b@example.com',
      '\ud83d',
      "'; drop table users; --",
      '%',
      '_',
      '\\',
      'NaN',
      '',
      '   ',
    ),
  },
  { weight: 1, arbitrary: hugeString },
);

const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'attributes.x', '', 'id', 'status', 'version'),
  },
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 1, 1e308, -1e-308),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

/** Bodies that are mostly well typed, so they reach the services and the database. */
const plausible = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), text, fc.constant(null)),
    phone: fc.oneof(fc.constantFrom('+919876543210', '+14155550123', '98765 43210', '+1'), text),
    externalId: text,
    name: text,
    firstName: text,
    lastName: text,
    birthDate: text,
    gender: fc.oneof(fc.constantFrom('male', 'female', 'other'), text),
    postalCode: text,
    city: text,
    region: text,
    country: text,
    timezone: text,
    locale: text,
    picture: text,
    links: fc.dictionary(fc.oneof(fc.constantFrom('website', 'twitter', 'facebook', 'instagram', 'linkedin'), fc.string()), text, {
      maxKeys: 3,
    }),
    consents: fc.dictionary(fc.string({ unit: 'binary', maxLength: 30 }), fc.oneof(fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
    score: fc.oneof(fc.double(), fc.integer()),
    roles: fc.array(text, { maxLength: 4 }),
    sessionsLimit: fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53)),
    attributes: fc.dictionary(fc.string({ unit: 'binary', maxLength: 30 }), value, { maxKeys: 4 }),
  },
  { requiredKeys: [] },
);

/** Short strings: mostly well-formed unicode (emoji, RTL marks, BOM), sometimes NUL or a lone surrogate. */
const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom('\u202e', '\ufeff', 'Ω≈ç√', '𝕏', 'null', '0', '  padded  ', '%_\\', "O'Brien", '<b>x</b>') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff\ud800') },
);

const url = fc.oneof(
  { weight: 9, arbitrary: fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true }) },
  { weight: 1, arbitrary: fc.constantFrom('https://example.com/\u00e9?q=\u0000', 'https://example.com/\ud800') },
);
const attributeName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/);

/**
 * Bodies whose every field has the right JSON type and a valid shape, with hostile text in the free-text
 * fields and attribute values: these reach the services and the database.
 */
const nearlyValid = fc
  .tuple(
    fc.emailAddress(),
    fc.record(
      {
        phone: fc.oneof(
          fc.integer({ min: 0, max: 99_999_999 }).map((n) => `+9198${String(n).padStart(8, '0')}`),
          fc.integer({ min: 0, max: 99_999_999 }).map((n) => `98${String(n).padStart(8, '0')}`),
        ),
        externalId: nasty,
        name: nasty,
        firstName: nasty,
        lastName: nasty,
        birthDate: fc
          .date({ min: new Date('1900-01-01'), max: new Date('2020-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        gender: fc.constantFrom('male', 'female', 'other', 'unknown', null),
        postalCode: nasty,
        city: nasty,
        region: nasty,
        country: fc.constantFrom('IN', 'us', 'GB', null),
        timezone: fc.constantFrom('Asia/Kolkata', 'UTC', 'America/New_York', null),
        locale: fc.constantFrom('en', 'en-IN', 'hi', 'zh-Hant-TW', null),
        picture: fc.oneof(url, fc.constant(null)),
        links: fc.record({ twitter: fc.oneof(url, fc.constant(null)), google: url }, { requiredKeys: [] }),
        consents: fc.dictionary(attributeName, fc.oneof(fc.boolean(), fc.constant(null)), { maxKeys: 3 }),
        score: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(1e308, -0, 5e-324, null)),
        roles: fc.subarray(['admin', 'plan_admin', 'readonly']),
        sessionsLimit: fc.oneof(fc.integer({ min: 1, max: 999_999 }), fc.constant(null)),
        attributes: fc.dictionary(attributeName, value, { maxKeys: 3 }),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([email, rest]) => ({ email, ...rest }));

const body = fc.oneof(
  { weight: 8, arbitrary: nearlyValid },
  { weight: 2, arbitrary: plausible },
  { weight: 2, arbitrary: fc.dictionary(key, value, { maxKeys: 12 }) },
  { weight: 1, arbitrary: value },
);

async function expectSaneAnswer(res: { statusCode: number; headers: Record<string, unknown>; body: string }, sent: unknown) {
  const context = `${res.statusCode} ${res.body.slice(0, 500)} <- ${JSON.stringify(sent)?.slice(0, 500)}`;
  expect(res.statusCode, context).toBeGreaterThanOrEqual(200);
  expect(res.statusCode, context).toBeLessThan(500);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/(problem\+)?json/);
  expect(() => JSON.parse(res.body), context).not.toThrow();
  if (res.statusCode >= 400) expect(JSON.parse(res.body).code, context).toMatch(/^[A-Z_]+$/);
}

async function stillUp(who: TestTenant) {
  const res = await t.call({ method: 'GET', url: '/v1/users?limit=1', headers: who.auth });
  expect(res.statusCode).toBe(200);
}

const routes = [
  { name: 'POST /v1/users', method: 'POST' as const, url: (_who: TestTenant) => '/v1/users' },
  {
    name: 'PATCH /v1/users/{id}',
    method: 'PATCH' as const,
    url: (who: TestTenant) => `/v1/users/${who === freeform ? freeformUserId : userId}`,
  },
  { name: 'POST /v1/users/find-or-create', method: 'POST' as const, url: (_who: TestTenant) => '/v1/users/find-or-create' },
];

describe('property: generated bodies never break the user write routes', () => {
  for (const route of routes) {
    it(`${route.name}: ${RUNS} generated bodies, no 5xx, always JSON`, { timeout: 180_000 }, async () => {
      let runs = 0;
      let written = 0;
      await fc.assert(
        fc.asyncProperty(body, fc.boolean(), async (sent, useFreeform) => {
          const who = useFreeform ? freeform : tenant;
          const res = await t.call({
            method: route.method,
            url: route.url(who),
            headers: { ...who.auth, 'content-type': 'application/json' },
            payload: JSON.stringify(sent) ?? 'null',
          });
          await expectSaneAnswer(res, sent);
          runs++;
          if (res.statusCode < 300) written++;
        }),
        // Bounded: a slow machine stops early rather than time out, but must still get through a good share.
        { numRuns: RUNS, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
      );
      expect(runs).toBeGreaterThanOrEqual(50);
      // The generators are meant to reach the database, not only the validator.
      expect(written).toBeGreaterThanOrEqual(Math.ceil(runs / 20));
      await stillUp(tenant);
      await stillUp(freeform);
      // The patched users are still readable.
      expect((await t.call({ method: 'GET', url: `/v1/users/${userId}`, headers: tenant.auth })).statusCode).toBe(200);
      expect((await t.call({ method: 'GET', url: `/v1/users/${freeformUserId}`, headers: freeform.auth })).statusCode).toBe(200);
    });
  }
});
