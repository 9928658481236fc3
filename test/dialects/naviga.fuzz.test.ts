/**
 * Generated queries and headers against Naviga's GET /v4/Users: whatever arrives, the answer is a 200 or a 4xx in
 * the Naviga envelope, never a 5xx and never the native problem+json.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { createUser } from '../helpers/users.ts';

const RUNS = 150;
const CODES = { clientGroup: 'CG', client: 'CL', paper: 'PP' };

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp({ config: { secretKey: Buffer.alloc(32, 9), allowPrivateUpstreams: true } });
  tenant = await createTenant(t, { codes: CODES });
  await createUser(t, tenant, { email: 'known@example.com', firstName: 'Known' });
});
afterAll(() => t.close());

type Res = Awaited<ReturnType<TestApp['call']>>;

function expectNavigaAnswer(res: Res, sent: unknown): void {
  const context = `${res.statusCode} ${res.body.slice(0, 400)} <- ${JSON.stringify(sent)?.slice(0, 400)}`;
  expect(res.statusCode, context).toBeLessThan(500);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/json/);
  const body = JSON.parse(res.body);
  expect(Object.keys(body).sort(), context).toEqual(['data', 'message', 'meta']);
  expect(body.meta.totalRecords, context).toBe(body.data.length);
  if (res.statusCode === 200) {
    expect(body.message, context).toEqual({ code: 'UsersOrchestrator_S200_02', text: 'Get completed.', type: 'Success' });
    return;
  }
  expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
  expect(body.message.type, context).toBe('Error');
  expect(body.message.code, context).toMatch(/^UsersOrchestrator_E\d{3}_\d{2}$/);
  expect(typeof body.message.text, context).toBe('string');
  expect(body.data, context).toEqual([]);
}

const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('known@example.com', 'KNOWN@example.com', 'x@y.z', 'true', 'false', 'TRUE', '', '   ', '\u202e', '𝕏'),
  },
  { weight: 1, arbitrary: fc.constantFrom('a\u0000b', '\ud800', '%00') },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 3000 }).map((n) => 'x'.repeat(n)) },
);
const paramName = fc.constantFrom('email', 'Email', 'EMAIL', 'ignoreProvider', 'IgnoreProvider', 'ignoreprovider', 'type', 'x');
const query = fc.dictionary(paramName, fc.oneof(nasty, fc.array(nasty, { minLength: 2, maxLength: 3 })), { maxKeys: 4 });

// Header values must be what Node accepts on the wire: printable ASCII.
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('CG', 'CL', 'PP', 'cg', ' PP ', ''),
);
const headers = fc.record(
  {
    'X-SourceSystem': headerValue,
    'X-ClientCode': headerValue,
    'X-PaperCode': headerValue,
    'X-ClientGroupCode': headerValue,
    authorization: fc.oneof(
      fc.constant('KEY'),
      headerValue,
      headerValue.map((v) => `Bearer ${v}`),
    ),
  },
  { requiredKeys: [] },
);

describe('Naviga fuzz: GET /v4/Users', () => {
  it('generated queries with valid headers', async () => {
    const good = {
      authorization: `Bearer ${tenant.key}`,
      'X-SourceSystem': 'fuzz',
      'X-ClientCode': CODES.client,
      'X-PaperCode': CODES.paper,
      'X-ClientGroupCode': CODES.clientGroup,
    };
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        expectNavigaAnswer(await t.call({ method: 'GET', url: '/v4/Users', query: q as Record<string, string>, headers: good }), q);
      }),
      { numRuns: RUNS },
    );
  });

  it('generated headers', async () => {
    await fc.assert(
      fc.asyncProperty(headers, async (h) => {
        const sent = { ...h } as Record<string, string>;
        if (sent.authorization === 'KEY') sent.authorization = `Bearer ${tenant.key}`;
        expectNavigaAnswer(await t.call({ method: 'GET', url: '/v4/Users', query: { email: 'known@example.com' }, headers: sent }), h);
      }),
      { numRuns: RUNS },
    );
  });

  it('generated raw query strings and paths under /v4', async () => {
    const raw = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(raw, fc.constantFrom('/v4/Users', '/v4/users', '/v4/Users/1', '/v4/x'), async (qs, path) => {
        const url = `${path}?${qs.replace(/#/g, '%23')}`;
        const res = await t.call({
          method: 'GET',
          url,
          headers: {
            authorization: `Bearer ${tenant.key}`,
            'X-SourceSystem': 's',
            'X-ClientCode': 'CL',
            'X-PaperCode': 'PP',
            'X-ClientGroupCode': 'CG',
          },
        });
        expectNavigaAnswer(res, url);
      }),
      { numRuns: RUNS },
    );
  });
});
