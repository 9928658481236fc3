import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { CLI_ACTOR, platformContext } from '../../src/core/context.ts';
import { insertIdentityIfAbsent, insertProvider } from '../../src/modules/providers/providers.repository.ts';
import { DEFAULT_FIELD_MAPPING } from '../../src/modules/providers/providers.ts';
import { createUserDataService } from '../../src/use-cases/user-data.service.ts';
import { NO_USER_DATA, USER_DATA_PARTS, type UserDataPart } from '../../src/use-cases/user-data-registry.ts';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { createBrand, createUser, defineAttribute, listEvents } from '../helpers/users.ts';

const clock = fixedClock(new Date('2024-06-01T08:00:00.000Z'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

/** What identifies the person in a fully populated user: each must be gone from every table after erasure. */
interface Person {
  email: string;
  phone: string;
  name: string;
  firstName: string;
  lastName: string;
  externalId: string;
  memberCode: string;
  subject: string;
  userAgent: string;
}

function person(): Person {
  const tag = randomUUID().slice(0, 8);
  const digits = String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
  return {
    email: `erasable.${tag}@example.com`,
    phone: `+49151${digits}`,
    name: `Zelda Quuxbridge ${tag}`,
    firstName: `Zelda${tag}`,
    lastName: `Quuxbridge${tag}`,
    externalId: `crm-${tag}`,
    memberCode: `MC-${tag}`,
    subject: `idp|${tag}-subject`,
    userAgent: `ErasureTestBrowser/${tag}`,
  };
}

function call(
  tenant: TestTenant,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
  headers = {},
) {
  return t.call({ method, url, headers: { ...tenant.auth, ...headers }, ...(payload !== undefined ? { payload } : {}) });
}

/**
 * A user with a row in every table that can hold one: profile, unique attribute, brand, company membership,
 * plan, password, a session with an IP and user agent, a failed sign-in counter, an idempotent create's
 * stored response, a provider link and events.
 */
async function populatedUser(tenant: TestTenant, p: Person): Promise<{ id: string; planId: string; company: string }> {
  // Company and plan are the tenant's, not the person's: their names must not derive from the person's data.
  const company = `acme-${randomUUID().slice(0, 8)}`;
  await defineAttribute(t, tenant, { name: 'member_code', type: 'string', unique: true }).catch(() => undefined);
  const brand = await createBrand(t, tenant, `b-${randomUUID().slice(0, 8)}`);
  const created = await call(
    tenant,
    'POST',
    '/v1/users',
    {
      email: p.email,
      phone: p.phone,
      name: p.name,
      firstName: p.firstName,
      lastName: p.lastName,
      externalId: p.externalId,
      password: 'a long and unusual passphrase 42',
      attributes: { member_code: p.memberCode },
    },
    { 'idempotency-key': `create-${p.externalId}` },
  );
  expect(created.statusCode, created.body).toBe(201);
  const id: string = created.json().id;
  expect((await call(tenant, 'PUT', `/v1/users/${id}/brands/${brand.slug}`)).statusCode).toBeLessThan(300);
  const member = await call(tenant, 'PUT', `/v1/users/${id}/companies/${company}`, {
    createCompany: true,
    role: 'owner',
    title: `Chief of ${p.lastName}`,
  });
  expect(member.statusCode, member.body).toBe(201);
  const plan = await call(tenant, 'POST', '/v1/plans', { name: `Gold ${company}` });
  expect(plan.statusCode, plan.body).toBe(201);
  const assigned = await call(tenant, 'POST', `/v1/users/${id}/plans`, { plan: plan.json().id });
  expect(assigned.statusCode, assigned.body).toBe(201);
  const signIn = await call(tenant, 'POST', '/v1/sessions', {
    email: p.email,
    password: 'a long and unusual passphrase 42',
    ip: '203.0.113.7',
    userAgent: p.userAgent,
  });
  expect(signIn.statusCode, signIn.body).toBe(201);
  const failed = await call(tenant, 'POST', '/v1/sessions', {
    email: p.email,
    password: 'wrong',
    ip: '203.0.113.7',
    userAgent: p.userAgent,
  });
  expect(failed.statusCode).toBe(401);
  const provider = await providerOf(tenant);
  await insertIdentityIfAbsent(t.registry.db, tenant.id, {
    provider_id: provider.id,
    subject: p.subject,
    user_id: id,
    linked_at: clock.now(),
  });
  return { id, planId: plan.json().id, company };
}

const providers = new Map<string, string>();

/** The tenant's one upstream provider (a tenant has at most one without a brand), made on first use. */
async function providerOf(tenant: TestTenant): Promise<{ id: string }> {
  const known = providers.get(tenant.id);
  if (known) return { id: known };
  const row = await insertProvider(
    t.registry.db,
    tenant.id,
    randomUUID(),
    {
      name: 'upstream',
      brand_id: null,
      type: 'http',
      endpoint: 'https://idp.example.test/users',
      settings: {},
      credentials: 'sealed',
      timeout_ms: 1000,
      cache_ttl_seconds: 60,
      field_mapping: DEFAULT_FIELD_MAPPING,
      jit_provisioning: false,
    },
    clock.now(),
  );
  providers.set(tenant.id, row.id);
  return row;
}

/** Every table of the schema Roster runs on, from information_schema: a new table is covered without edits here. */
async function tables(): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(t.registry.db);
  return rows.map((r) => r.table_name);
}

/** The `table.column` of every text, json or array column holding any needle (case-insensitive). */
async function holders(needles: string[]): Promise<string[]> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
    where c.table_schema = current_schema() and tb.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
    order by c.table_name, c.column_name`.execute(t.registry.db);
  expect(columns.length).toBeGreaterThan(30);
  const found: string[] = [];
  const lowered = needles.map((n) => n.toLowerCase());
  for (const { table_name, column_name } of columns) {
    const column = sql.ref(`${table_name}.${column_name}`);
    const checks = lowered.map(
      (n, i) => sql`coalesce(bool_or(position(${n} in lower(${column}::text)) > 0), false) as ${sql.ref(`n${i}`)}`,
    );
    const { rows } = await sql<Record<string, boolean>>`select ${sql.join(checks)} from ${sql.table(table_name)}`.execute(t.registry.db);
    lowered.forEach((_, i) => {
      if (rows[0][`n${i}`]) found.push(`${table_name}.${column_name} holds ${needles[i]}`);
    });
  }
  return found;
}

function needlesOf(p: Person): string[] {
  return [p.email, p.phone, p.name, p.firstName, p.lastName, p.externalId, p.memberCode, p.subject, p.userAgent];
}

describe('the user data registry', () => {
  it('names every table of the schema once: a part erases and exports it, or it holds no per-user rows', async () => {
    const live = await tables();
    const covered = USER_DATA_PARTS.flatMap((part) => part.tables as readonly string[]);
    expect(new Set(covered).size, 'a table belongs to one part only').toBe(covered.length);
    const unknown = live.filter((name) => !covered.includes(name) && !(name in NO_USER_DATA));
    expect(unknown, 'tables neither in USER_DATA_PARTS nor in NO_USER_DATA').toEqual([]);
    expect(
      covered.filter((name) => !live.includes(name)),
      'parts naming tables that do not exist',
    ).toEqual([]);
    expect(
      Object.keys(NO_USER_DATA).filter((name) => covered.includes(name)),
      'a table cannot be both covered and exempt',
    ).toEqual([]);
  });

  it('covers every table with a user_id column', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select distinct table_name from information_schema.columns
      where table_schema = current_schema() and column_name = 'user_id' order by table_name`.execute(t.registry.db);
    const withUserId = rows.map((r) => r.table_name);
    expect(withUserId).toContain('sessions');
    const covered = new Set(USER_DATA_PARTS.flatMap((part) => part.tables as readonly string[]));
    expect(withUserId.filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe('erasure', () => {
  it('leaves the erased person in no text or json column of any table; another user of the tenant keeps everything', async () => {
    const tenant = await createTenant(t);
    const erased = person();
    const kept = person();
    const { id } = await populatedUser(tenant, erased);
    await populatedUser(tenant, kept);
    // The scan sees the data before erasure: it is not vacuous.
    expect(await holders([erased.email, erased.subject, erased.userAgent])).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^users\.email/),
        expect.stringMatching(/^idempotency_keys\.response_body/),
        expect.stringMatching(/^signin_failures\.key/),
        expect.stringMatching(/^user_identities\.subject/),
        expect.stringMatching(/^sessions\.user_agent/),
      ]),
    );

    // A sign-in counter and the events still carry the first email after a change.
    const renamed = `renamed.${erased.externalId}@example.com`;
    const patched = await call(tenant, 'PATCH', `/v1/users/${id}`, { email: renamed });
    expect(patched.statusCode, patched.body).toBe(200);

    const res = await call(tenant, 'DELETE', `/v1/users/${id}`);
    expect(res.statusCode, res.body).toBe(204);

    expect(await holders([...needlesOf(erased), renamed])).toEqual([]);
    expect(await holders([kept.email, kept.subject, kept.userAgent])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^users\.email/), expect.stringMatching(/^user_identities\.subject/)]),
    );
    expect((await call(tenant, 'GET', `/v1/users/${id}`)).statusCode).toBe(404);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where id = ${id}`.execute(t.registry.db);
    expect(rows[0].n, 'the anonymous tombstone stays').toBe(1);
    const events = await listEvents(t, tenant, { userId: id });
    expect(events.at(-1)).toMatchObject({ type: 'user.erased', changes: null });
    // Every event from before the erasure lost its changes and data; the erasure's own logout keeps why it happened.
    const before = events.filter((e) => e.type !== 'user.erased' && !(e.type === 'user.logged_out' && e.data?.reason === 'erased'));
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((e) => e.changes === null && e.data === null)).toBe(true);
  });

  it('is one transaction: a part that fails leaves every row as it was', async () => {
    const tenant = await createTenant(t);
    const p = person();
    const { id } = await populatedUser(tenant, p);
    const failing: UserDataPart = {
      name: 'failing',
      tables: [],
      erasure: 'fails',
      erase: () => Promise.reject(new Error('injected failure')),
      export: async () => null,
    };
    // After the sessions, credential, memberships, identities and the user row itself have been erased.
    const userData = createUserDataService({
      db: t.registry.db,
      clock,
      events: t.registry.events,
      parts: [...USER_DATA_PARTS.slice(0, -1), failing],
    });
    const ctx = platformContext(tenant.id, CLI_ACTOR);
    await expect(userData.eraseUser(ctx, id)).rejects.toThrow('injected failure');

    const user = await call(tenant, 'GET', `/v1/users/${id}`);
    expect(user.statusCode).toBe(200);
    expect(user.json()).toMatchObject({ email: p.email, brands: [expect.objectContaining({})] });
    expect(await holders([p.subject, p.userAgent])).toHaveLength(2);
    const again = await call(tenant, 'POST', '/v1/sessions', { email: p.email, password: 'a long and unusual passphrase 42' });
    expect(again.statusCode, 'the password survived').toBe(201);
  });
});

describe('GET /v1/users/{id}/export', () => {
  it('holds every part of what Roster keeps about the user, and never a secret', async () => {
    const tenant = await createTenant(t);
    const p = person();
    const { id, planId, company } = await populatedUser(tenant, p);
    const res = await call(tenant, 'GET', `/v1/users/${id}/export`);
    expect(res.statusCode, res.body).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc).sort()).toEqual(['exportedAt', ...USER_DATA_PARTS.map((part) => part.name)].sort());
    expect(doc.exportedAt).toBe(clock.now().toISOString());
    expect(doc.user).toMatchObject({ id, email: p.email, phone: p.phone, firstName: p.firstName, externalId: p.externalId });
    expect(doc.user.attributes).toEqual({ member_code: p.memberCode });
    expect(doc.brands).toHaveLength(1);
    expect(doc.companies).toEqual([expect.objectContaining({ externalId: company, role: 'owner', title: `Chief of ${p.lastName}` })]);
    expect(doc.plans).toEqual([expect.objectContaining({ planId, endedAt: null })]);
    expect(doc.credential).toEqual({ kind: 'password', hasher: 'argon2id', updatedAt: expect.any(String) });
    expect(doc.sessions).toEqual([
      expect.objectContaining({ ip: '203.0.113.7', userAgent: p.userAgent, method: 'password', revokedAt: null }),
    ]);
    expect(doc.identities).toEqual([expect.objectContaining({ subject: p.subject, type: 'http' })]);
    expect(doc.uniqueAttributeValues).toEqual([expect.objectContaining({ name: 'member_code' })]);
    expect(doc.signinThrottle).toEqual([expect.objectContaining({ identifier: `email:${p.email}`, failures: 1 })]);
    expect(doc.idempotencyRecords).toEqual([expect.objectContaining({ key: `create-${p.externalId}`, statusCode: 201 })]);
    const types = doc.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['user.created', 'user.brand_joined', 'session.created', 'signin.failed']));
    // No password hash, refresh token or sealed provider credential leaves the server.
    const { rows } = await sql<{ password_hash: string }>`select password_hash from credentials where user_id = ${id}`.execute(
      t.registry.db,
    );
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(res.body).not.toContain(rows[0].password_hash);
    expect(res.body).not.toMatch(/\$argon2|password_?hash|refresh_?token|token_?hash|sealed/i);

    const exported = await listEvents(t, tenant, { type: 'user.exported', userId: id });
    expect(exported).toHaveLength(1);
  });

  it('needs users:export; 404 for another tenant, an unknown id and an erased user', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: `export-scope-${randomUUID().slice(0, 8)}@example.com` });
    const readOnly = await createKey(t, tenant.id, { name: 'reader', scopes: ['users:read'] });
    const denied = await t.call({ method: 'GET', url: `/v1/users/${user.id}/export`, headers: { authorization: `Bearer ${readOnly}` } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'SCOPE_MISSING', scope: 'users:export' });

    const other = await createTenant(t);
    expect((await call(other, 'GET', `/v1/users/${user.id}/export`)).statusCode).toBe(404);
    expect((await call(tenant, 'GET', `/v1/users/${randomUUID()}/export`)).statusCode).toBe(404);
    expect((await call(tenant, 'GET', '/v1/users/not-an-id/export')).statusCode).toBe(404);
    expect((await call(tenant, 'DELETE', `/v1/users/${user.id}`)).statusCode).toBe(204);
    expect((await call(tenant, 'GET', `/v1/users/${user.id}/export`)).statusCode).toBe(404);
  });
});
