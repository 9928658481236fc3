/**
 * Property: a random filter built from the grammar selects, through GET /Users (AST → SQL), exactly the users the
 * in-memory reference evaluator selects over the same users' SCIM resources. Runs on PGlite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Filter } from '../../src/scim/protocol/filter-ast.ts';
import { printFilter } from '../../src/scim/protocol/filter-ast.ts';
import { evaluateFilter } from '../../src/scim/protocol/filter-eval.ts';
import { USER_SCHEMA, userCaseExact } from '../../src/scim/scim-schemas.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

let t: TestApp;
let tenant: TestTenant;
let resources: Record<string, unknown>[] = [];

const WORDS = ['ann', 'Bob', 'carl', 'Dana', 'ed', 'ANNA', 'bo', 'x_y', 'a%b'];

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  const rng = fc.sample(
    fc.record({
      given: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
      family: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
      display: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
      email: fc.boolean(),
      external: fc.boolean(),
      active: fc.boolean(),
      locale: fc.option(fc.constantFrom('en-US', 'fr-FR', 'de'), { nil: undefined }),
    }),
    { numRuns: 40, seed: 17 },
  );
  for (const [i, r] of rng.entries()) {
    const word = WORDS[i % WORDS.length] as string;
    const body = {
      schemas: [USER_SCHEMA],
      userName: `${word}${i}`,
      ...(r.external ? { externalId: `Ext-${word}-${i}` } : {}),
      name: { givenName: r.given, familyName: r.family },
      ...(r.display ? { displayName: r.display } : {}),
      ...(r.email ? { emails: [{ value: `${word.replace(/[^a-z]/gi, '')}${i}@Example.com`, type: 'work', primary: true }] } : {}),
      ...(r.locale ? { locale: r.locale } : {}),
      active: r.active,
    };
    const res = await t.call({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { ...tenant.auth, 'content-type': 'application/scim+json' },
      payload: JSON.stringify(body),
    });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  const all = await t.call({ method: 'GET', url: '/scim/v2/Users?count=200', headers: tenant.auth });
  resources = all.json().Resources;
});
afterAll(() => t.close());

const path = (attr: string, sub: string | null = null, uri: string | null = null) => ({ uri, attr, sub });

const stringPaths = [
  path('userName'),
  path('USERNAME'),
  path('userName', null, USER_SCHEMA),
  path('name', 'givenName'),
  path('name', 'familyName'),
  path('displayName'),
  path('externalId'),
  path('emails', 'value'),
  path('emails'),
  path('locale'),
];
const value = fc.oneof(
  fc.constantFrom(...WORDS, 'ANN', 'example', '@example.com', 'ext-', 'Ext-', 'en', '1', 'zz', ''),
  fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'B', '1', '%', '_', '-') }),
);
const op = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le' as const);

const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom(...stringPaths), op, value }),
  fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom(...stringPaths) }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constant(path('active')),
    op: fc.constantFrom('eq', 'ne' as const),
    value: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('compare' as const),
    path: fc.constantFrom(...stringPaths),
    op: fc.constantFrom('eq', 'ne' as const),
    value: fc.constant(null),
  }),
  fc.record({
    kind: fc.constant('valuePath' as const),
    path: fc.constant(path('emails')),
    filter: fc.oneof(
      fc.record({ kind: fc.constant('compare' as const), path: fc.constant(path('value')), op, value }),
      fc.record({
        kind: fc.constant('compare' as const),
        path: fc.constant(path('type')),
        op: fc.constantFrom('eq', 'ne', 'sw' as const),
        value: fc.constantFrom('work', 'home', 'WO'),
      }),
      fc.record({ kind: fc.constant('present' as const), path: fc.constant(path('primary')) }),
    ),
  }),
);

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('f'), right: tie('f') }),
    fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
  ),
})).f;

it('SQL and the reference evaluator select the same users', async () => {
  expect(resources.length).toBe(40);
  await fc.assert(
    fc.asyncProperty(filterArb, async (filter) => {
      const text = printFilter(filter);
      const res = await t.call({
        method: 'GET',
        url: '/scim/v2/Users',
        headers: tenant.auth,
        query: { filter: text, count: '200', attributes: 'id' },
      });
      expect(res.statusCode, `${text}: ${res.body}`).toBe(200);
      const got = res
        .json()
        .Resources.map((r: { id: string }) => r.id)
        .sort();
      const want = resources
        .filter((r) => evaluateFilter(filter, r, userCaseExact, [USER_SCHEMA]))
        .map((r) => r.id as string)
        .sort();
      expect(got, text).toEqual(want);
      expect(res.json().totalResults).toBe(want.length);
    }),
    { numRuns: 150, seed: 1717 },
  );
});

it('a page of a filtered list is its slice of the matches, and totalResults counts them all', async () => {
  // Full pages, short pages, pages past the last match and count=0: the total comes from the page or from a count.
  await fc.assert(
    fc.asyncProperty(filterArb, fc.integer({ min: 1, max: 45 }), fc.integer({ min: 0, max: 12 }), async (filter, startIndex, count) => {
      const text = printFilter(filter);
      const res = await t.call({
        method: 'GET',
        url: '/scim/v2/Users',
        headers: tenant.auth,
        query: { filter: text, startIndex: String(startIndex), count: String(count), attributes: 'id' },
      });
      expect(res.statusCode, `${text}: ${res.body}`).toBe(200);
      // `resources` is in creation order, the order of a list without sortBy.
      const want = resources.filter((r) => evaluateFilter(filter, r, userCaseExact, [USER_SCHEMA])).map((r) => r.id as string);
      const body = res.json();
      const where = `${text} startIndex=${startIndex} count=${count}`;
      expect(
        body.Resources.map((r: { id: string }) => r.id),
        where,
      ).toEqual(want.slice(startIndex - 1, startIndex - 1 + count));
      expect(body.totalResults, where).toBe(want.length);
      expect(body.startIndex, where).toBe(startIndex);
    }),
    { numRuns: 120, seed: 2026 },
  );
});
