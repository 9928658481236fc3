import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { AUTH0_CLIENT, SCIM_TOKEN, type Stub, sendJson, startAuth0, startScim, startStub } from '../../helpers/upstream.ts';
import { createBrand, createUser, listEvents } from '../../helpers/users.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

const secretKey = Buffer.alloc(32, 42);
const log = new Capture();
let t: TestApp;
let auth0: Awaited<ReturnType<typeof startAuth0>>;
let scim: Stub;
let down: Stub;
let hanging: Stub;

beforeAll(async () => {
  t = await createTestApp({ logStream: log, config: { logLevel: 'info', secretKey, allowPrivateUpstreams: true } });
  auth0 = await startAuth0([
    {
      user_id: 'auth0|ada',
      email: 'ada@example.com',
      email_verified: true,
      given_name: 'Augusta Ada',
      family_name: 'King',
      phone_number: '+447700900123',
      user_metadata: { newsletter: true },
      app_metadata: { tier: 'gold' },
    },
    { user_id: 'auth0|zed', email: 'zed@example.com', given_name: 'Zed', family_name: 'Upstream' },
  ]);
  scim = await startScim([
    {
      id: 'scim-jit',
      userName: 'jit',
      name: { givenName: 'Just', familyName: 'InTime' },
      emails: [{ value: 'jit@example.com', primary: true }],
      active: true,
    },
  ]);
  down = await startStub((_req, res) => sendJson(res, 503, { error: 'down' }));
  hanging = await startStub(() => {}); // never answers
});
afterAll(async () => {
  await t.close();
  await Promise.all([auth0.close(), scim.close(), down.close(), hanging.close()]);
});

const auth0Provider = (extra: Record<string, unknown> = {}) => ({
  name: 'auth0-main',
  type: 'auth0',
  endpoint: auth0.url,
  credentials: AUTH0_CLIENT,
  ...extra,
});
const scimProvider = (endpoint: string, extra: Record<string, unknown> = {}) => ({
  name: 'scim',
  type: 'scim',
  endpoint,
  credentials: { token: SCIM_TOKEN },
  ...extra,
});

async function addProvider(app: TestApp, tenant: TestTenant, body: Record<string, unknown>) {
  const res = await app.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/providers`, headers: adminAuth(), payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

function lookup(app: TestApp, auth: { authorization: string }, email: string, withProvider = true) {
  return app.call({
    method: 'GET',
    url: '/v1/users/lookup',
    headers: auth,
    query: { email, ...(withProvider ? { withProvider: 'true' } : {}) },
  });
}

describe('admin API: /v1/admin/tenants/{id}/providers', () => {
  it('creates, lists, gets, updates and deletes; credentials are never returned and are stored encrypted', async () => {
    const tenant = await createTenant(t);
    const created = await addProvider(t, tenant, auth0Provider({ cacheTtlSeconds: 30, fieldMapping: { phone: 'local' } }));
    expect(created).toMatchObject({
      tenantId: tenant.id,
      name: 'auth0-main',
      type: 'auth0',
      brand: null,
      endpoint: auth0.url,
      timeoutMs: 2000,
      cacheTtlSeconds: 30,
      jitProvisioning: false,
      fieldMapping: { phone: 'local', firstName: 'provider' },
    });
    expect(created).not.toHaveProperty('credentials');

    const base = `/v1/admin/tenants/${tenant.slug}/providers`;
    const listed = await t.call({ method: 'GET', url: base, headers: adminAuth() });
    expect(listed.json().data.map((p: { id: string }) => p.id)).toEqual([created.id]);
    const byName = await t.call({ method: 'GET', url: `${base}/auth0-main`, headers: adminAuth() });
    expect(byName.json().id).toBe(created.id);
    const patched = await t.call({ method: 'PATCH', url: `${base}/${created.id}`, headers: adminAuth(), payload: { timeoutMs: 500 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ timeoutMs: 500, cacheTtlSeconds: 30 });

    for (const res of [listed, byName, patched]) expect(res.body).not.toContain(AUTH0_CLIENT.clientSecret);
    const row = await t.registry.db.selectFrom('identity_providers').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.credentials).toMatch(/^v1\./);
    expect(row.credentials).not.toContain(AUTH0_CLIENT.clientSecret);
    expect(row.credentials).not.toContain(AUTH0_CLIENT.clientId);
    expect(JSON.stringify(row)).not.toContain(AUTH0_CLIENT.clientSecret);

    const deleted = await t.call({ method: 'DELETE', url: `${base}/${created.id}`, headers: adminAuth() });
    expect(deleted.statusCode).toBe(204);
    expectProblem(await t.call({ method: 'GET', url: `${base}/${created.id}`, headers: adminAuth() }), 404, 'PROVIDER_NOT_FOUND');
    const events = (await listEvents(t, tenant)).filter((e) => e.type.startsWith('provider.'));
    expect(events.map((e) => e.type)).toEqual(['provider.created', 'provider.updated', 'provider.deleted']);
    expect(JSON.stringify(events)).not.toContain(AUTH0_CLIENT.clientSecret);
  });

  it('validates the configuration, one provider per scope, and needs the admin token', async () => {
    const tenant = await createTenant(t);
    const post = (payload: Record<string, unknown>, headers = adminAuth()) =>
      t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/providers`, headers, payload });
    const noSecret = expectProblem(await post(auth0Provider({ credentials: { clientId: 'x' } })), 422, 'VALIDATION_FAILED');
    expect(noSecret.errors[0].field).toBe('credentials.clientSecret');
    const badUrl = expectProblem(await post(auth0Provider({ endpoint: 'ftp://example.com' })), 422, 'VALIDATION_FAILED');
    expect(badUrl.errors[0].field).toBe('endpoint');
    const noPlaceholder = await post({
      name: 'h',
      type: 'http',
      endpoint: 'https://dir.example.com/users',
      credentials: {},
      settings: { pointers: { subject: '/id' } },
    });
    expect(expectProblem(noPlaceholder, 422, 'VALIDATION_FAILED').errors[0].field).toBe('endpoint');
    const badPointer = await post({
      name: 'h',
      type: 'http',
      endpoint: 'https://dir.example.com/u?e={email}',
      credentials: {},
      settings: { pointers: { subject: 'id' } },
    });
    expect(expectProblem(badPointer, 422, 'VALIDATION_FAILED').errors[0]).toMatchObject({
      field: 'settings.pointers.subject',
      code: 'invalid_pointer',
    });
    expectProblem(await post(auth0Provider(), tenant.auth), 401, 'ADMIN_TOKEN_INVALID');
    await addProvider(t, tenant, auth0Provider());
    expectProblem(await post(auth0Provider({ name: 'second' })), 409, 'PROVIDER_EXISTS');
    expectProblem(await post(auth0Provider({ brand: 'nope' })), 404, 'BRAND_NOT_FOUND');
  });

  it('without ROSTER_SECRET_KEY seals the credentials with the key generated at first start', async () => {
    const bare = await createTestApp({ config: { secretKey: null, allowPrivateUpstreams: true } });
    try {
      expect(bare.registry.secretKeys.origin).not.toBe('environment');
      const tenant = await createTenant(bare);
      expect((await addProvider(bare, tenant, auth0Provider())).tenantId).toBe(tenant.id);
    } finally {
      await bare.close();
    }
  });

  it('without ROSTER_ALLOW_PRIVATE_UPSTREAMS refuses a loopback endpoint at configuration time', async () => {
    const strict = await createTestApp({ config: { secretKey, allowPrivateUpstreams: false } });
    try {
      const tenant = await createTenant(strict);
      const res = await strict.call({
        method: 'POST',
        url: `/v1/admin/tenants/${tenant.id}/providers`,
        headers: adminAuth(),
        payload: auth0Provider(),
      });
      const problem = expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problem.errors[0].field).toBe('endpoint');
      expect(problem.errors[0].message).toContain('ROSTER_ALLOW_PRIVATE_UPSTREAMS');
    } finally {
      await strict.close();
    }
  });
});

describe('GET /v1/users/lookup?withProvider=true', () => {
  it('merges the provider view, says where each field came from, links the subject, and looks up by it later', async () => {
    const tenant = await createTenant(t);
    const local = await createUser(t, tenant, { email: 'ada@example.com', firstName: 'Ada', name: 'Ada L', phone: '+14155552671' });
    await addProvider(t, tenant, auth0Provider({ fieldMapping: { phone: 'local' } }));

    const plain = await lookup(t, tenant.auth, 'ada@example.com', false);
    expect(plain.json()).toEqual(local); // unchanged without withProvider

    const res = await lookup(t, tenant.auth, 'ada@example.com');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.providerStatus).toBe('ok');
    expect(body.user.id).toBe(local.id);
    expect(body.merged).toMatchObject({
      id: local.id,
      email: 'ada@example.com',
      firstName: 'Augusta Ada',
      lastName: 'King',
      name: 'Ada L',
      phone: '+14155552671',
      emailVerified: true,
      metadata: { userMetadata: { newsletter: true }, appMetadata: { tier: 'gold' } },
    });
    expect(body.sources).toMatchObject({ firstName: 'provider', lastName: 'provider', name: 'local', phone: 'local', email: 'provider' });
    expect(body.identities).toEqual([{ provider: 'auth0-main', type: 'auth0', subject: 'auth0|ada', linkedAt: expect.any(String) }]);
    expect(body.providerUser.subject).toBe('auth0|ada');

    // Linked now: the next lookup asks Auth0 by id.
    const again = await lookup(t, tenant.auth, 'ada@example.com');
    expect(again.json().providerStatus).toBe('ok');
    expect(auth0.requests.at(-1)?.url).toBe(`/api/v2/users/${encodeURIComponent('auth0|ada')}`);
    const types = (await listEvents(t, tenant, { userId: local.id })).map((e) => e.type);
    expect(types.filter((x) => x === 'user.linked')).toHaveLength(1);
    expect(types.filter((x) => x === 'provider.user_fetched')).toHaveLength(2);
  });

  it('answers not_configured, not_found, and 404 when nobody knows the email', async () => {
    const tenant = await createTenant(t);
    await createUser(t, tenant, { email: 'local-only@example.com' });
    const none = await lookup(t, tenant.auth, 'local-only@example.com');
    expect(none.json()).toMatchObject({ providerStatus: 'not_configured', sources: { email: 'local' }, identities: [] });
    await addProvider(t, tenant, auth0Provider());
    expect((await lookup(t, tenant.auth, 'local-only@example.com')).json().providerStatus).toBe('not_found');
    const missing = expectProblem(await lookup(t, tenant.auth, 'ghost@example.com'), 404, 'USER_NOT_FOUND');
    expect(missing.providerStatus).toBe('not_found');
    expectProblem(await lookup(t, tenant.auth, 'not-an-email'), 400, 'INVALID_PARAMETER');
  });

  it('a provider-only user without JIT is answered from the provider, not created', async () => {
    const tenant = await createTenant(t);
    await addProvider(t, tenant, auth0Provider());
    const res = await lookup(t, tenant.auth, 'zed@example.com');
    expect(res.json()).toMatchObject({ user: null, providerStatus: 'ok', provisioned: false, merged: { id: null, firstName: 'Zed' } });
    expect((await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth })).json().data).toHaveLength(0);
  });

  it('degrades to local data when the provider fails or is slow', async () => {
    const tenant = await createTenant(t);
    const local = await createUser(t, tenant, { email: 'deg@example.com', firstName: 'Local' });
    await addProvider(t, tenant, scimProvider(down.url));
    const res = await lookup(t, tenant.auth, 'deg@example.com');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ providerStatus: 'unavailable', merged: { firstName: 'Local' }, sources: { firstName: 'local' } });

    const slowTenant = await createTenant(t);
    await createUser(t, slowTenant, { email: 'deg@example.com' });
    await addProvider(t, slowTenant, scimProvider(hanging.url, { timeoutMs: 200 }));
    const started = Date.now();
    const slow = await lookup(t, slowTenant.auth, 'deg@example.com');
    expect(slow.json().providerStatus).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(10_000); // the server never answers: only the timeout ends the call

    const unavailable = (await listEvents(t, tenant, { type: 'provider.unavailable' }))[0];
    expect(unavailable).toMatchObject({ userId: local.id, data: { provider: 'scim', reason: 'upstream_error', status: 503 } });
    expect((await listEvents(t, slowTenant, { type: 'provider.unavailable' }))[0].data.reason).toBe('timeout');
  });

  it('opens the circuit after 5 failures: calls stop, then one trial after 30 s', async () => {
    const clock = fixedClock(new Date());
    const app = await createTestApp({ clock, config: { secretKey, allowPrivateUpstreams: true } });
    try {
      const tenant = await createTenant(app);
      await addProvider(app, tenant, scimProvider(down.url));
      const calls = () => down.requests.length;
      const before = calls();
      for (let i = 0; i < 5; i++) expect((await lookup(app, tenant.auth, 'cb@example.com')).statusCode).toBe(404);
      expect(calls() - before).toBe(5);
      const open = await lookup(app, tenant.auth, 'cb@example.com');
      expect(open.json().providerStatus).toBe('unavailable');
      expect(calls() - before).toBe(5); // short-circuited
      clock.advance(30_000);
      await lookup(app, tenant.auth, 'cb@example.com'); // the half-open trial
      expect(calls() - before).toBe(6);
      await lookup(app, tenant.auth, 'cb@example.com'); // it failed: open again
      expect(calls() - before).toBe(6);
      const reasons = (await listEvents(app, tenant, { type: 'provider.unavailable' })).map((e) => e.data.reason);
      expect(reasons).toEqual([
        'upstream_error',
        'upstream_error',
        'upstream_error',
        'upstream_error',
        'upstream_error',
        'circuit_open',
        'upstream_error',
        'circuit_open',
      ]);
    } finally {
      await app.close();
    }
  });

  it('JIT provisioning: 20 parallel lookups of a provider-only email make one user and one link', async () => {
    const tenant = await createTenant(t);
    await addProvider(t, tenant, scimProvider(`${scim.url}/scim/v2`, { jitProvisioning: true }));
    const results = await Promise.all(Array.from({ length: 20 }, () => lookup(t, tenant.auth, 'jit@example.com')));
    for (const res of results) expect(res.statusCode, res.body).toBe(200);
    const ids = new Set(results.map((r) => r.json().user.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.json().provisioned)).toHaveLength(1);
    const users = (await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { email: 'jit@example.com' } })).json()
      .data;
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ firstName: 'Just', lastName: 'InTime' });
    const links = await t.registry.db.selectFrom('user_identities').selectAll().where('tenant_id', '=', tenant.id).execute();
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ subject: 'scim-jit', user_id: users[0].id });
    const events = await listEvents(t, tenant);
    expect(events.filter((e) => e.type === 'user.provisioned')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'user.linked')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'user.created')).toHaveLength(1);
  });

  it('a brand’s own provider wins over the tenant’s for keys of that brand', async () => {
    const tenant = await createTenant(t);
    await createBrand(t, tenant, 'paper');
    await addProvider(t, tenant, scimProvider(down.url, { name: 'tenant-wide' }));
    await addProvider(t, tenant, auth0Provider({ brand: 'paper' }));
    const brandKey = await createKey(t, tenant.id, { name: 'paper', brand: 'paper' });
    const viaBrand = await lookup(t, { authorization: `Bearer ${brandKey}` }, 'zed@example.com');
    expect(viaBrand.json()).toMatchObject({ providerStatus: 'ok', provider: { name: 'auth0-main' } });
    const viaTenant = await lookup(t, tenant.auth, 'zed@example.com');
    expect(viaTenant.statusCode).toBe(404);
    expect(viaTenant.json().providerStatus).toBe('unavailable');
  });

  it('keeps tenants apart: another tenant sees neither the provider nor the links', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    await createUser(t, a, { email: 'ada@example.com' });
    await createUser(t, b, { email: 'ada@example.com' });
    const provider = await addProvider(t, a, auth0Provider());
    expect((await lookup(t, a.auth, 'ada@example.com')).json().identities).toHaveLength(1);
    const inB = (await lookup(t, b.auth, 'ada@example.com')).json();
    expect(inB).toMatchObject({ providerStatus: 'not_configured', identities: [] });
    expectProblem(
      await t.call({ method: 'GET', url: `/v1/admin/tenants/${b.id}/providers/${provider.id}`, headers: adminAuth() }),
      404,
      'PROVIDER_NOT_FOUND',
    );
    expectProblem(
      await t.call({ method: 'DELETE', url: `/v1/admin/tenants/${b.id}/providers/${provider.id}`, headers: adminAuth() }),
      404,
      'PROVIDER_NOT_FOUND',
    );
  });

  it('never puts credentials or upstream tokens in answers, logs or events', async () => {
    const secrets = [AUTH0_CLIENT.clientSecret, SCIM_TOKEN, ...auth0.state.issued, 'secret-token-value'];
    expect(auth0.state.issued.length).toBeGreaterThan(0);
    expect(log.text.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(log.text).not.toContain(secret);
    const rows = await t.registry.db.selectFrom('events').select(['type', 'data', 'changes']).execute();
    const text = JSON.stringify(rows);
    expect(text).toContain('provider.user_fetched');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
