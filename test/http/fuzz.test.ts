/**
 * Schema-driven fuzz over every operation in the served /openapi.json and every route in Fastify's route table
 * (the dialects at their vendors' paths, hidden fallbacks included): requests generated from each operation's
 * schemas (mostly valid, so they reach the services and the database) and from hostile shapes (wrong types,
 * huge and unicode-edge strings, NUL, prototype keys, edge numbers, forged cursors, broken JSON, wrong content
 * types, duplicate query parameters, non-UUID path parameters), with a tenant key, the admin token, another
 * tenant's key, an access token, a wrong credential or none.
 *
 * Asserted: no 5xx, every error in the envelope of the API it came through, and the app still answering at the
 * end. `FUZZ_RUNS` sets the number of requests (default: the fast profile), `FUZZ_SEED` replays a run; every
 * failure prints the exact request to send again.
 */

import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT_NAMES } from '../../src/dialects/dialects.ts';
import { ADMIN_TOKEN, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { type Api, answerProblems, apiOf } from '../helpers/fuzz-envelopes.ts';
import { type FuzzFixture, type FuzzRequest, requestsFor, unroutedRequests } from '../helpers/fuzz-requests.ts';
import { allOperations, type Method, type OpenApiDocument, type Operation } from '../helpers/fuzz-routes.ts';
import type { SchemaContext } from '../helpers/fuzz-schema.ts';
import { createBrand, createUser, defineAttribute } from '../helpers/users.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 3_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CODES = { clientGroup: 'FZG', client: 'FZC', paper: 'FZP' };
/** How many distinct failures a report prints in full. */
const SHOWN = 25;

let t: TestApp;
let tenant: TestTenant;
let operations: Operation[];
let fixture: FuzzFixture;

interface Failure {
  signature: string;
  request: FuzzRequest;
  status: number;
  problems: string[];
  body: string;
  cause: string;
  count: number;
}

const failures = new Map<string, Failure>();
/** The logged cause of each 5xx, by request id: a failure's report says why, not only that. */
const causes = new Map<string, string>();
const errorLog = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as { reqId?: string; err?: { type?: string; message?: string; stack?: string } };
        if (entry.reqId && entry.err && causes.size < 1_000) {
          const frame = entry.err.stack?.split('\n').find((l) => l.includes('/src/'));
          causes.set(entry.reqId, `${entry.err.type ?? 'Error'}: ${entry.err.message ?? ''}${frame ? ` ${frame.trim()}` : ''}`);
        }
      } catch {
        // Not a JSON log line.
      }
    }
    done();
  },
});
const statuses = new Map<string, number>();
let sent = 0;

beforeAll(async () => {
  t = await createTestApp({ config: { secretKey: Buffer.alloc(32, 7), logLevel: 'error' }, logStream: errorLog });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const host = `fuzz-${suffix}.example.test`;
  tenant = await createTenant(t, { hosts: [host], codes: CODES, defaultCountry: 'US', rejectCommonPasswords: false });
  const other = await createTenant(t);
  // Admin routes work on a tenant of their own, so a fuzzed PATCH or key revocation cannot lock the fuzz out.
  const target = await createTenant(t);
  const targetKey = await createKey(t, target.id, { name: 'victim' });
  const keys = await t.call({
    method: 'GET',
    url: `/v1/admin/tenants/${target.id}/keys`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const keyIds = (keys.json().data as { id: string; prefix: string }[]).filter((k) => targetKey.startsWith(k.prefix)).map((k) => k.id);

  await createBrand(t, tenant, 'fuzz-brand');
  for (const [name, type, unique] of [
    ['plan', 'string', false],
    ['age', 'number', false],
    ['vip', 'boolean', false],
    ['since', 'date', false],
    ['code', 'string', true],
  ] as const) {
    await defineAttribute(t, tenant, { name, type, unique, searchable: true });
  }
  await t.call({ method: 'POST', url: '/v1/roles', headers: tenant.auth, payload: { name: 'editor' } });
  const user = await createUser(t, tenant, {
    email: 'known@example.com',
    phone: '+14155550100',
    externalId: 'known',
    password: 'a long passphrase',
    roles: ['editor'],
  });
  const victim = await createUser(t, tenant, { email: 'victim@example.com', externalId: 'victim' });
  const company = (
    await t.call({ method: 'POST', url: '/v1/companies', headers: tenant.auth, payload: { name: 'Acme', externalId: 'acme' } })
  ).json();
  const plan = (
    await t.call({
      method: 'POST',
      url: '/v1/plans',
      headers: tenant.auth,
      payload: { name: 'Gold', externalId: 'gold', defaultDuration: 'P1M' },
    })
  ).json();
  const assignment = (
    await t.call({ method: 'POST', url: `/v1/users/${user.id}/plans`, headers: tenant.auth, payload: { plan: plan.id } })
  ).json();
  await t.call({ method: 'PUT', url: `/v1/users/${user.id}/companies/${company.id}`, headers: tenant.auth, payload: { role: 'owner' } });
  const group = (
    await t.call({ method: 'POST', url: '/v1/groups', headers: tenant.auth, payload: { displayName: 'Fuzzers', members: [user.id] } })
  ).json();
  const session = (await t.call({ method: 'POST', url: `/v1/users/${user.id}/sessions`, headers: tenant.auth, payload: {} })).json();
  for (const [what, value] of Object.entries({
    company: company.id,
    group: group.id,
    plan: plan.id,
    assignment: assignment.id,
    session: session.session?.id,
  })) {
    if (typeof value !== 'string') throw new Error(`fixture: no ${what}`);
  }
  // A real cursor, so forged ones are generated next to one the server made.
  const page = (await t.call({ method: 'GET', url: '/v1/users?limit=1', headers: tenant.auth })).json();

  // The native document and each dialect's (served apart since issue 14), as one set of operations.
  const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
  for (const name of DIALECT_NAMES) {
    const dialect = (await t.call({ method: 'GET', url: `/openapi/${name}.json` })).json() as OpenApiDocument;
    Object.assign(doc.paths, dialect.paths);
    doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ...dialect.components?.schemas } };
  }
  operations = allOperations(t.app, doc);

  const phone = fc.integer({ min: 0, max: 9999 }).map((n) => `+1415555${String(n).padStart(4, '0')}`);
  const known: SchemaContext['known'] = {
    email: fc.oneof(fc.constantFrom('known@example.com', 'KNOWN@example.com', 'victim@example.com'), fc.emailAddress()),
    phone: fc.oneof(fc.constantFrom('+14155550100', '4155550100'), phone),
    phone_number: fc.oneof(fc.constant('+14155550100'), phone),
    first_name: fc.constantFrom('Ada', 'Zoë', 'Ōta'),
    last_name: fc.constantFrom('Lovelace', "O'Brien"),
    ignoreProvider: ['true', 'false'],
    externalId: ['known', 'victim'],
    external_id: ['known'],
    user_id: ['known'],
    userId: [user.id],
    brand: ['fuzz-brand'],
    brands: [['fuzz-brand']],
    company: [company.id, 'acme'],
    company_id: ['acme'],
    plan: [plan.id, 'gold', plan.number],
    assign_new_plan: [plan.number],
    attribute: ['plan', 'age', 'vip', 'since', 'code'],
    roles: [['editor']],
    role: ['editor', 'owner'],
    refreshToken: [session.refreshToken],
    token: [session.accessToken],
    password: ['a long passphrase'],
    new_password: ['a long passphrase'],
    country: ['US', 'PL', 'IN', 'us'],
    timezone: ['Europe/Warsaw', 'UTC'],
    birthDate: ['1990-01-31'],
    cursor: [page.nextCursor].filter(Boolean),
    type: ['user.created', 'user.updated'],
    slug: ['fuzz-brand'],
  };

  const pathValues = (path: string, method: Method, name: string): readonly string[] => {
    if (path.startsWith('/v1/admin')) {
      if (name === 'id') return [target.id];
      if (name === 'keyId') return keyIds;
      if (name === 'user') return ['known@example.com', user.id];
      return [];
    }
    if (path.startsWith('/v1/sessions')) return [session.session.id];
    if (path.startsWith('/v1/roles')) return ['editor'];
    if (path.startsWith('/v1/companies')) return [company.id, 'acme'];
    if (path.startsWith('/v1/groups')) return name === 'userId' ? [user.id, victim.id] : [group.id];
    if (path.startsWith('/v1/plans')) return [plan.id, 'gold', String(plan.number)];
    if (path.startsWith('/integration-api') || path.startsWith('/api/public/users/:')) return [String(user.number), 'known'];
    if (path.startsWith('/api/public')) return ['known'];
    switch (name) {
      // Erasing the fixture's user would leave the rest of the run with 404s: DELETE erases the victim.
      case 'id':
        return method === 'DELETE' && path === '/v1/users/:id' ? [victim.id] : [user.id, victim.id];
      case 'externalId':
        return ['known', 'victim'];
      case 'name':
        return ['plan', 'age', 'vip', 'since', 'code', 'nope'];
      case 'brandSlug':
        return ['fuzz-brand'];
      case 'companyId':
        return [company.id, 'acme'];
      case 'assignmentId':
        return [assignment.id];
      default:
        return [];
    }
  };

  fixture = {
    tenantKey: tenant.key,
    otherTenantKey: other.key,
    adminToken: ADMIN_TOKEN,
    accessToken: session.accessToken,
    host,
    codes: CODES,
    pathValues,
    ids: [user.id, victim.id, company.id, plan.id, tenant.id],
    schema: { components: doc.components?.schemas ?? {}, known, mutation: 0 },
  };
  process.stdout.write(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${RUNS} requests over ${operations.length} operations\n`);
}, 300_000);

afterAll(async () => {
  await t?.close();
});

function printable(request: FuzzRequest): string {
  const payload = request.payload;
  const shown = payload === undefined ? undefined : payload.length > 600 ? `${payload.slice(0, 600)}… (${payload.length} chars)` : payload;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, v.length > 200 ? `${v.slice(0, 200)}… (${v.length} chars)` : v]),
  );
  return JSON.stringify({
    method: request.method,
    url: request.url.length > 600 ? `${request.url.slice(0, 600)}…` : request.url,
    headers,
    payload: shown,
  });
}

/** Sends one request and records what is wrong with the answer, once per route, status and kind of problem. */
async function send(request: FuzzRequest, route: string): Promise<void> {
  const api: Api = apiOf(request.url);
  sent++;
  let status: number;
  let problems: string[];
  let body = '';
  let cause = '';
  try {
    const res = await t.app.inject({ method: request.method, url: request.url, headers: request.headers, payload: request.payload });
    status = res.statusCode;
    body = res.body;
    problems = answerProblems(api, request.method, { statusCode: res.statusCode, headers: res.headers, body: res.body });
    if (res.statusCode >= 500) cause = causes.get(String(res.headers['x-request-id'])) ?? '';
  } catch (error) {
    status = 0;
    problems = [`inject threw: ${(error as Error).message}`];
  }
  const bucket = `${api} ${status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 200 ? '2xx' : 'none'}`;
  statuses.set(bucket, (statuses.get(bucket) ?? 0) + 1);
  if (problems.length === 0) return;
  const signature = `${route} → ${status} ${problems.join('; ')}${request.cursor ? ' [cursor]' : ''}`;
  const seen = failures.get(signature);
  if (seen) seen.count++;
  else failures.set(signature, { signature, request, status, problems, body: body.slice(0, 300), cause, count: 1 });
}

function report(): string {
  const list = [...failures.values()];
  const lines = list
    .slice(0, SHOWN)
    .map(
      (f) =>
        `- ${f.signature} (×${f.count})\n  request: ${printable(f.request)}\n  answer: ${f.body}${f.cause ? `\n  cause: ${f.cause}` : ''}`,
    );
  return `${list.length} distinct failures (seed ${SEED}):\n${lines.join('\n')}`;
}

const GROUPS: { name: string; api: Api; admin?: boolean }[] = [
  { name: 'native /v1 (tenant routes)', api: 'native', admin: false },
  { name: 'native /v1/admin', api: 'native', admin: true },
  { name: 'TagMango dialect', api: 'tagmango' },
  { name: 'Thanx dialect', api: 'thanx' },
  { name: 'Publica.la dialect', api: 'publicala' },
  { name: 'User.com dialect', api: 'usercom' },
  { name: 'Naviga dialect', api: 'naviga' },
];

function operationsOf(group: (typeof GROUPS)[number]): Operation[] {
  return operations.filter((op) => {
    if (apiOf(op.path) !== group.api) return false;
    if (group.admin === undefined) return true;
    return op.path.startsWith('/v1/admin') === group.admin;
  });
}

/** Requests for a group: its share of RUNS by its number of operations, at least 40. */
function runsOf(count: number): number {
  return Math.max(40, Math.round((RUNS * count) / Math.max(1, operations.length + 4)));
}

describe('fuzz: every route, generated and hostile requests', () => {
  it('enumerates the documented and the undocumented routes of every API', () => {
    for (const group of GROUPS) expect(operationsOf(group).length, group.name).toBeGreaterThan(0);
    // Routes only the route table knows (hidden fallbacks, HEAD) are fuzzed too.
    expect(operations.some((op) => !op.documented)).toBe(true);
  });

  for (const [index, group] of GROUPS.entries()) {
    it(`${group.name}: no 5xx, every error in the API's envelope`, { timeout: 600_000 + RUNS * 40 }, async () => {
      const ops = operationsOf(group);
      const requests = fc.oneof(
        // Documented operations four times as often: the undocumented ones are mostly fallbacks that answer 404 or 405.
        ...ops.map((op) => ({
          weight: op.documented ? 4 : 1,
          arbitrary: requestsFor(op, group.api, fixture).map((request) => ({ request, route: `${op.method} ${op.path}` })),
        })),
      );
      await fc.assert(
        fc.asyncProperty(requests, async ({ request, route }) => {
          await send(request, route);
        }),
        { numRuns: runsOf(ops.length), seed: SEED + index },
      );
    });
  }

  it('paths no route has, under every prefix: no 5xx, the envelope of the prefix', { timeout: 600_000 + RUNS * 40 }, async () => {
    await fc.assert(
      fc.asyncProperty(unroutedRequests(fixture), async (request) => {
        await send(request, `${request.method} (unrouted)`);
      }),
      { numRuns: runsOf(4), seed: SEED + GROUPS.length },
    );
  });

  it('keeps answering, and no request failed', async () => {
    const health = await t.call({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    process.stdout.write(`fuzz: ${sent} requests; ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    // The fuzz may have changed or erased any user: a list answers whatever is left.
    const list = await t.call({ method: 'GET', url: '/v1/users?limit=1', headers: tenant.auth });
    expect(list.statusCode, list.body).toBe(200);
    expect(failures.size, report()).toBe(0);
  });
});
