import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser } from '../../helpers/users.ts';

/** Generated bodies against the directory's write routes: a 2xx or a 4xx in JSON, never a 5xx. */

const RUNS = 60;

let t: TestApp;
let tenant: TestTenant;
let userId: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  userId = (await createUser(t, tenant, { email: 'prop@example.com' })).id;
  await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { externalId: 'p', name: 'P', defaultDuration: 'P1M' } });
});
afterAll(() => t.close());

const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    '  ',
    '\u0000',
    '\ud800',
    'example.com',
    'EXAMPLE.com',
    'a..b',
    'p',
    '1',
    '0',
    '-1',
    'P1M',
    'PT1H',
    'P',
    "'; drop table plans; --",
  ),
);
const date = fc.oneof(
  fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2200-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom(
    '2026-02-30',
    '2026-13-01',
    '0000-01-01',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00+25:00',
    '+275760-09-13T00:00:00Z',
    '9999-12-31',
  ),
  text,
);
const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 3 }),
);

const routes: { name: string; method: 'POST' | 'PUT'; url: () => string; body: fc.Arbitrary<unknown> }[] = [
  {
    name: 'POST /v1/companies',
    method: 'POST',
    url: () => '/v1/companies',
    body: fc.record(
      {
        externalId: fc.oneof(text, fc.constant(null)),
        name: text,
        domain: fc.oneof(text, fc.constant(null)),
        attributes: fc.dictionary(fc.string({ maxLength: 10 }), anyValue, { maxKeys: 4 }),
      },
      { requiredKeys: [] },
    ),
  },
  {
    name: 'PUT /v1/users/{id}/companies/{ref}',
    method: 'PUT',
    url: () => `/v1/users/${userId}/companies/c-${Math.floor(Math.random() * 5)}`,
    body: fc.record(
      {
        role: fc.oneof(text, fc.constant(null)),
        title: fc.oneof(text, fc.constant(null)),
        createCompany: fc.boolean(),
        company: fc.record({ name: text, domain: text }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  },
  {
    name: 'POST /v1/plans',
    method: 'POST',
    url: () => '/v1/plans',
    body: fc.record(
      { externalId: fc.oneof(text, fc.constant(null)), name: text, defaultDuration: fc.oneof(text, fc.constant(null)) },
      { requiredKeys: [] },
    ),
  },
  {
    name: 'POST /v1/users/{id}/plans',
    method: 'POST',
    url: () => `/v1/users/${userId}/plans`,
    body: fc.record(
      { plan: fc.oneof(text, fc.integer(), fc.constant('p'), fc.constant(1)), validFrom: date, validTo: fc.oneof(date, fc.constant(null)) },
      { requiredKeys: [] },
    ),
  },
];

describe('directory writes never answer 5xx', () => {
  for (const route of routes) {
    it(`${route.name}: ${RUNS} generated bodies`, async () => {
      await fc.assert(
        fc.asyncProperty(route.body, async (payload) => {
          const res = await t.call({ method: route.method, url: route.url(), headers: tenant.auth, payload: payload as object });
          const context = `${res.statusCode} ${res.body.slice(0, 300)} <- ${JSON.stringify(payload)?.slice(0, 300)}`;
          expect(res.statusCode, context).toBeLessThan(500);
          expect(String(res.headers['content-type']), context).toMatch(/^application\/(problem\+)?json/);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
