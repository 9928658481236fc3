/**
 * Forged, truncated and out-of-range pagination cursors on every cursor-paginated list: each is a 400
 * INVALID_PARAMETER naming the parameter, never a 500, and a cursor the server made still pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/core/cursor.ts';
import { insertAttempt } from '../../src/modules/webhooks/webhook-deliveries.repository.ts';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { backend } from '../helpers/backend.ts';
import { importFile } from '../helpers/imports.ts';
import { expectProblem } from '../helpers/problem.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const UUID = '0190f1a2-0000-7000-8000-000000000001';
const TIME = '2024-05-01T12:00:00.000Z';

/** Every hostile shape, whichever list it is sent to: a cursor of one list is as foreign to another as a forged one. */
const HOSTILE: Record<string, string> = {
  'seq 1.5': encodeCursor([1.5]),
  'seq 2^63-1': b64('[9223372036854775807]'),
  'seq 1e20': b64('[1e20]'),
  'seq -1': encodeCursor([-1]),
  'seq as text': encodeCursor(['12']),
  'seq null': encodeCursor([null]),
  'year +275760': encodeCursor(['+275760-09-13T00:00:00.000Z', UUID]),
  'year 0000': encodeCursor(['0000-01-01T00:00:00.000Z', UUID]),
  'year -000001': encodeCursor(['-000001-01-01T00:00:00.000Z', UUID]),
  'not a date': encodeCursor(['not a date', UUID]),
  'February 30': encodeCursor(['2024-02-30T00:00:00.000Z', UUID]),
  'date without time': encodeCursor(['2024-05-01', UUID]),
  'offset instead of Z': encodeCursor(['2024-05-01T12:00:00.000+02:00', UUID]),
  'epoch number': encodeCursor([1714564800000, UUID]),
  'non-UUID id': encodeCursor([TIME, 'not-a-uuid']),
  'numeric id': encodeCursor([TIME, 42]),
  'SQL in id': encodeCursor([TIME, "x' or '1'='1"]),
  'time only': encodeCursor([TIME]),
  'extra part': encodeCursor([TIME, UUID, 'more']),
  'empty array': encodeCursor([]),
  object: b64('{"seq":1}'),
  'JSON string': b64('"abc"'),
  'not JSON': b64('not json at all'),
  'not base64url': '!!!%%%',
  'nested arrays': encodeCursor([[TIME], [UUID]]),
};

interface ListEndpoint {
  /** The path as the OpenAPI document names it. */
  route: string;
  param: 'cursor' | 'after';
  url: () => string;
  auth: () => { authorization: string };
}

let t: TestApp;
let tenant: TestTenant;
let companyId: string;
let webhookId: string;
let groupId: string | undefined;
let importId: string;

const ENDPOINTS: ListEndpoint[] = [
  { route: '/v1/events', param: 'after', url: () => '/v1/events', auth: () => tenant.auth },
  { route: '/v1/users', param: 'cursor', url: () => '/v1/users', auth: () => tenant.auth },
  { route: '/v1/companies', param: 'cursor', url: () => '/v1/companies', auth: () => tenant.auth },
  {
    route: '/v1/companies/{companyId}/members',
    param: 'cursor',
    url: () => `/v1/companies/${companyId}/members`,
    auth: () => tenant.auth,
  },
  { route: '/v1/plans', param: 'cursor', url: () => '/v1/plans', auth: () => tenant.auth },
  { route: '/v1/admin/tenants', param: 'cursor', url: () => '/v1/admin/tenants', auth: adminAuth },
  { route: '/v1/webhooks/{id}/deliveries', param: 'cursor', url: () => `/v1/webhooks/${webhookId}/deliveries`, auth: () => tenant.auth },
  { route: '/v1/groups', param: 'cursor', url: () => '/v1/groups', auth: () => tenant.auth },
  { route: '/v1/groups/{groupId}/members', param: 'cursor', url: () => `/v1/groups/${groupId}/members`, auth: () => tenant.auth },
  { route: '/v1/imports', param: 'cursor', url: () => '/v1/imports', auth: () => tenant.auth },
  { route: '/v1/imports/{id}/errors', param: 'cursor', url: () => `/v1/imports/${importId}/errors`, auth: () => tenant.auth },
];

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  // Two of everything, so each list has a second page.
  await createTenant(t);
  const users: string[] = [];
  for (const email of ['c1@example.com', 'c2@example.com']) {
    const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email } });
    expect(res.statusCode, res.body).toBe(201);
    users.push(res.json().id);
  }
  for (const name of ['Acme', 'Globex']) {
    const res = await t.call({ method: 'POST', url: '/v1/companies', headers: tenant.auth, payload: { name } });
    expect(res.statusCode, res.body).toBe(201);
    companyId ??= res.json().id;
  }
  for (const id of users) {
    const res = await t.call({ method: 'PUT', url: `/v1/users/${id}/companies/${companyId}`, headers: tenant.auth, payload: {} });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }
  for (const name of ['Basic', 'Pro']) {
    const res = await t.call({ method: 'POST', url: '/v1/plans', headers: tenant.auth, payload: { name } });
    expect(res.statusCode, res.body).toBe(201);
  }
  const hook = await t.call({ method: 'POST', url: '/v1/webhooks', headers: tenant.auth, payload: { url: 'https://example.com/hook' } });
  expect(hook.statusCode, hook.body).toBe(201);
  webhookId = hook.json().id;
  for (const displayName of ['Staff', 'Admins']) {
    const res = await t.call({ method: 'POST', url: '/v1/groups', headers: tenant.auth, payload: { displayName, members: users } });
    expect(res.statusCode, res.body).toBe(201);
    groupId ??= res.json().id;
  }
  // Two jobs, the first with two bad rows (two row errors to page).
  importId = (await importFile(t, tenant, '{"email":"not an email"}\n{"email":"nor this"}\n', 'application/x-ndjson')).id;
  await importFile(t, tenant, '{"email":"c3@example.com"}\n', 'application/x-ndjson');
  // Two logged attempts, written as the worker writes them (no receiver needed to page a log).
  for (const attempt of [1, 2]) {
    await insertAttempt(t.registry.db, {
      tenant_id: tenant.id,
      endpoint_id: webhookId,
      message_id: users[0],
      event_id: users[0],
      attempt,
      started_at: new Date(),
      status_code: 500,
      duration_ms: 3,
      error_kind: 'http_status',
      response_excerpt: null,
      next_attempt_at: null,
    });
  }
});
afterAll(() => t.close());

describe(`forged cursors on ${backend}`, () => {
  it('covers every list that takes a cursor in the OpenAPI document', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    const paged: string[] = [];
    for (const [path, item] of Object.entries<Record<string, { parameters?: { in: string; name: string }[] }>>(doc.paths)) {
      const params = item.get?.parameters ?? [];
      if (params.some((p) => p.in === 'query' && (p.name === 'cursor' || p.name === 'after'))) paged.push(path);
    }
    expect(paged.sort()).toEqual(ENDPOINTS.map((e) => e.route).sort());
  });

  describe.each(ENDPOINTS)('$route', (endpoint) => {
    it(`pages with the cursor it made (${endpoint.param})`, async () => {
      const first = await t.call({ method: 'GET', url: endpoint.url(), headers: endpoint.auth(), query: { limit: '1' } });
      expect(first.statusCode, first.body).toBe(200);
      const next = first.json().nextCursor;
      expect(typeof next).toBe('string');
      const second = await t.call({
        method: 'GET',
        url: endpoint.url(),
        headers: endpoint.auth(),
        query: { limit: '1', [endpoint.param]: next },
      });
      expect(second.statusCode, second.body).toBe(200);
      expect(second.json().data).toHaveLength(1);
      expect(second.json().data[0]).not.toEqual(first.json().data[0]);
    });

    it.each(Object.entries(HOSTILE))(`answers 400 INVALID_PARAMETER naming ${endpoint.param} for %s`, async (_name, cursor) => {
      const res = await t.call({ method: 'GET', url: endpoint.url(), headers: endpoint.auth(), query: { [endpoint.param]: cursor } });
      const problem = expectProblem(res, 400, 'INVALID_PARAMETER');
      expect(problem.errors).toEqual([expect.objectContaining({ field: endpoint.param, code: 'invalid_cursor' })]);
    });
  });
});

describe(`date-time filters on the same column on ${backend}`, () => {
  it.each(['0000-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z'])(
    'answers 400 INVALID_PARAMETER for createdAfter and createdBefore %s',
    async (value) => {
      for (const param of ['createdAfter', 'createdBefore']) {
        const res = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { [param]: value } });
        const problem = expectProblem(res, 400, 'INVALID_PARAMETER');
        expect(problem.errors).toEqual([expect.objectContaining({ field: param, code: 'invalid_date' })]);
      }
    },
  );

  it('accepts the first and last storable instants', async () => {
    for (const value of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
      const res = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { createdAfter: value } });
      expect(res.statusCode, res.body).toBe(200);
    }
  });
});
