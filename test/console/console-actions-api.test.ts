/**
 * The console's operator actions on a tenant's resources: delete a webhook endpoint and rotate its secret, cancel an
 * import job, delete an identity provider, edit and delete a group. Each works, is recorded with the operator as its
 * actor, is refused on another tenant (as for no tenant) and without the CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { as, type ConsoleSession, consoleSignIn } from '../helpers/console.ts';

let t: TestApp;
let tenantA: TestTenant;
let tenantB: TestTenant;
let admin: ConsoleSession;
/** A tenant operator of tenant A only. */
let op: ConsoleSession;
let opId: string;

const PASSWORD = 'correct horse battery staple';
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

beforeAll(async () => {
  t = await createTestApp({ console: true, config: { secretKey: Buffer.alloc(32, 5) } });
  tenantA = await createTenant(t);
  tenantB = await createTenant(t);
  admin = await consoleSignIn(t, { adminToken: ADMIN_TOKEN });
  const created = await t.call({
    method: 'POST',
    url: '/console/api/operators',
    headers: as(admin),
    payload: { email: `actions-${run}@example.com`, name: 'Op', password: PASSWORD, role: 'tenant', tenants: [tenantA.id] },
  });
  expect(created.statusCode, created.body).toBe(201);
  opId = created.json().id;
  op = await consoleSignIn(t, { email: created.json().email, password: PASSWORD });
});
afterAll(() => t.close());

const api = (tenant: TestTenant, path: string) => `/console/api/tenants/${tenant.id}${path}`;

/** The tenant's events of one type that name this id. */
async function eventsOf(tenant: TestTenant, type: string, id: string): Promise<{ actor: string; data: unknown }[]> {
  const res = await t.call({ method: 'GET', url: `/v1/events?type=${type}&limit=200`, headers: tenant.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.filter((e: unknown) => JSON.stringify(e).includes(id));
}

async function createEndpoint(tenant: TestTenant, who: ConsoleSession = admin): Promise<{ id: string; secret: string }> {
  const res = await t.call({
    method: 'POST',
    url: api(tenant, '/webhooks'),
    headers: as(who),
    payload: { url: `https://hooks.example.com/${run}` },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function createProvider(tenant: TestTenant, name: string): Promise<{ id: string }> {
  const res = await t.call({
    method: 'POST',
    url: api(tenant, '/providers'),
    headers: as(admin),
    payload: {
      name,
      type: 'http',
      endpoint: 'https://idp.example.com/u?e={email}',
      credentials: {},
      settings: { pointers: { subject: '/id' } },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function createGroup(tenant: TestTenant, displayName: string): Promise<{ id: string; version: number }> {
  const res = await t.call({ method: 'POST', url: api(tenant, '/groups'), headers: as(admin), payload: { displayName } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** A queued job: no import worker runs in this file. */
async function createImport(tenant: TestTenant, who: ConsoleSession = admin): Promise<{ id: string; status: string }> {
  const res = await t.call({
    method: 'POST',
    url: api(tenant, '/imports?match=email'),
    headers: { ...as(who), 'content-type': 'text/csv' },
    payload: `email,name\nimp-${run}@example.com,Imp\n`,
  });
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

interface Action {
  method: 'DELETE' | 'POST' | 'PATCH';
  path: string;
  payload?: Record<string, unknown>;
}

/** Every new action, on these resources (the group renamed to `rename`). */
function actionsOn(
  ids: { endpoint: { id: string }; job: { id: string }; provider: { id: string }; group: { id: string } },
  rename: string,
): Action[] {
  return [
    { method: 'DELETE', path: `/webhooks/${ids.endpoint.id}` },
    { method: 'POST', path: `/webhooks/${ids.endpoint.id}/rotate-secret` },
    { method: 'POST', path: `/imports/${ids.job.id}/cancel` },
    { method: 'DELETE', path: `/providers/${ids.provider.id}` },
    { method: 'PATCH', path: `/groups/${ids.group.id}`, payload: { displayName: rename } },
    { method: 'DELETE', path: `/groups/${ids.group.id}` },
  ];
}

describe('console API: operator actions on webhooks, imports, providers and groups', () => {
  it('rotates an endpoint’s secret (the new one answered once, uncached) and deletes the endpoint, as the operator', async () => {
    const endpoint = await createEndpoint(tenantA, op);
    const rotated = await t.call({ method: 'POST', url: api(tenantA, `/webhooks/${endpoint.id}/rotate-secret`), headers: as(op) });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const { secret, previousSecretValidUntil } = rotated.json();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(endpoint.secret);
    const overlap = Date.parse(previousSecretValidUntil) - Date.now();
    expect(overlap).toBeGreaterThan(23 * 3_600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000);
    const shown = await t.call({ method: 'GET', url: api(tenantA, `/webhooks/${endpoint.id}`), headers: as(op) });
    expect(shown.json().previousSecretValidUntil).toBe(previousSecretValidUntil);
    expect(shown.body).not.toContain(secret);
    expect((await eventsOf(tenantA, 'webhook.secret_rotated', endpoint.id)).map((e) => e.actor)).toEqual([`operator:${opId}`]);

    const deleted = await t.call({ method: 'DELETE', url: api(tenantA, `/webhooks/${endpoint.id}`), headers: as(op) });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const gone = await t.call({ method: 'GET', url: api(tenantA, `/webhooks/${endpoint.id}`), headers: as(op) });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('WEBHOOK_NOT_FOUND');
    expect((await eventsOf(tenantA, 'webhook.endpoint_deleted', endpoint.id)).map((e) => e.actor)).toEqual([`operator:${opId}`]);
    const again = await t.call({ method: 'DELETE', url: api(tenantA, `/webhooks/${endpoint.id}`), headers: as(op) });
    expect(again.statusCode).toBe(404);
  });

  it('cancels a queued import job, as the operator (import.finished, cancelled); a finished one answers IMPORT_FINISHED', async () => {
    const job = await createImport(tenantA, op);
    expect(job.status).toBe('queued');
    const cancelled = await t.call({ method: 'POST', url: api(tenantA, `/imports/${job.id}/cancel`), headers: as(op) });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    expect(cancelled.json().finishedAt).not.toBeNull();
    const read = await t.call({ method: 'GET', url: api(tenantA, `/imports/${job.id}`), headers: as(op) });
    expect(read.json().status).toBe('cancelled');
    const finished = await eventsOf(tenantA, 'import.finished', job.id);
    expect(finished.map((e) => [e.actor, (e.data as { status: string }).status])).toEqual([[`operator:${opId}`, 'cancelled']]);
    const again = await t.call({ method: 'POST', url: api(tenantA, `/imports/${job.id}/cancel`), headers: as(op) });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('IMPORT_FINISHED');
  });

  it('deletes an identity provider, as the operator', async () => {
    const provider = await createProvider(tenantA, `gone-${run}`);
    const deleted = await t.call({ method: 'DELETE', url: api(tenantA, `/providers/${provider.id}`), headers: as(op) });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const list = await t.call({ method: 'GET', url: api(tenantA, '/providers'), headers: as(op) });
    expect(list.json().data.map((p: { id: string }) => p.id)).not.toContain(provider.id);
    expect((await eventsOf(tenantA, 'provider.deleted', provider.id)).map((e) => e.actor)).toEqual([`operator:${opId}`]);
    const again = await t.call({ method: 'DELETE', url: api(tenantA, `/providers/${provider.id}`), headers: as(op) });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('PROVIDER_NOT_FOUND');
  });

  it('edits a group’s fields with If-Match (a stale version refused, members not editable here) and deletes it', async () => {
    const group = await createGroup(tenantA, `Before-${run}`);
    const url = api(tenantA, `/groups/${group.id}`);
    const renamed = await t.call({
      method: 'PATCH',
      url,
      headers: { ...as(op), 'if-match': `"${group.version}"` },
      payload: { displayName: `After-${run}`, externalId: `ext-${run}`, roles: [] },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ displayName: `After-${run}`, externalId: `ext-${run}`, roles: [] });
    expect(renamed.headers.etag).toBe(`"${renamed.json().version}"`);
    expect(renamed.json().version).toBeGreaterThan(group.version);
    const updated = await eventsOf(tenantA, 'group.updated', group.id);
    expect(updated.map((e) => e.actor)).toEqual([`operator:${opId}`]);

    const stale = await t.call({
      method: 'PATCH',
      url,
      headers: { ...as(op), 'if-match': `"${group.version}"` },
      payload: { displayName: 'Lost update' },
    });
    expect(stale.statusCode, stale.body).toBe(412);
    expect(stale.json().code).toBe('PRECONDITION_FAILED');
    const members = await t.call({ method: 'PATCH', url, headers: as(op), payload: { members: [] } });
    expect(members.statusCode, members.body).toBe(422);
    expect(members.json().errors.map((e: { field: string }) => e.field)).toEqual(['members']);
    const other = await createGroup(tenantA, `Other-${run}`);
    const taken = await t.call({ method: 'PATCH', url, headers: as(op), payload: { displayName: `other-${run}` } });
    expect(taken.statusCode, taken.body).toBe(409);
    expect(taken.json().code).toBe('GROUP_DISPLAY_NAME_TAKEN');
    expect((await t.call({ method: 'GET', url, headers: as(op) })).json().displayName).toBe(`After-${run}`);

    const deleted = await t.call({ method: 'DELETE', url, headers: as(op) });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await t.call({ method: 'GET', url, headers: as(op) })).statusCode).toBe(404);
    expect((await eventsOf(tenantA, 'group.deleted', group.id)).map((e) => e.actor)).toEqual([`operator:${opId}`]);
    expect((await t.call({ method: 'GET', url: api(tenantA, `/groups/${other.id}`), headers: as(op) })).statusCode).toBe(200);
  });

  it('refuses every action on another tenant’s resources (404, as for no tenant) and leaves them as they were', async () => {
    const endpoint = await createEndpoint(tenantB);
    const job = await createImport(tenantB);
    const provider = await createProvider(tenantB, `theirs-${run}`);
    const group = await createGroup(tenantB, `Theirs-${run}`);
    const actions = actionsOn({ endpoint, job, provider, group }, 'Hijacked');
    for (const action of actions) {
      // Tenant B by its id: the operator is not given it.
      const theirs = await t.call({ method: action.method, url: api(tenantB, action.path), headers: as(op), payload: action.payload });
      expect(theirs.statusCode, `${action.method} ${action.path}: ${theirs.body}`).toBe(404);
      expect(theirs.json().code).toBe('TENANT_NOT_FOUND');
      // Tenant B's ids under tenant A, which the operator is given: not found there either.
      const crossed = await t.call({ method: action.method, url: api(tenantA, action.path), headers: as(op), payload: action.payload });
      expect(crossed.statusCode, `${action.method} ${action.path} under A: ${crossed.body}`).toBe(404);
    }
    const still = (path: string) => t.call({ method: 'GET', url: api(tenantB, path), headers: as(admin) });
    const hook = await still(`/webhooks/${endpoint.id}`);
    expect(hook.statusCode).toBe(200);
    expect(hook.json().previousSecretValidUntil).toBeNull();
    expect((await still(`/imports/${job.id}`)).json().status).toBe('queued');
    expect((await still('/providers')).json().data.map((p: { id: string }) => p.id)).toContain(provider.id);
    expect((await still(`/groups/${group.id}`)).json().displayName).toBe(`Theirs-${run}`);
  });

  it('refuses every action without the CSRF token (403) and changes nothing', async () => {
    const endpoint = await createEndpoint(tenantA);
    const job = await createImport(tenantA);
    const provider = await createProvider(tenantA, `kept-${run}`);
    const group = await createGroup(tenantA, `Kept-${run}`);
    const actions = actionsOn({ endpoint, job, provider, group }, 'Forged');
    for (const action of actions) {
      const forged = await t.call({
        method: action.method,
        url: api(tenantA, action.path),
        headers: as(op, false),
        payload: action.payload,
      });
      expect(forged.statusCode, `${action.method} ${action.path}: ${forged.body}`).toBe(403);
      expect(forged.json().code).toBe('CSRF_TOKEN_INVALID');
      const wrong = await t.call({
        method: action.method,
        url: api(tenantA, action.path),
        headers: { ...as(op, false), 'x-csrf-token': admin.csrf },
        payload: action.payload,
      });
      expect(wrong.statusCode, `${action.method} ${action.path} with another session’s token`).toBe(403);
    }
    const still = (path: string) => t.call({ method: 'GET', url: api(tenantA, path), headers: as(op) });
    const hook = await still(`/webhooks/${endpoint.id}`);
    expect(hook.statusCode).toBe(200);
    expect(hook.json().previousSecretValidUntil).toBeNull();
    expect((await still(`/imports/${job.id}`)).json().status).toBe('queued');
    expect((await still('/providers')).json().data.map((p: { id: string }) => p.id)).toContain(provider.id);
    expect((await still(`/groups/${group.id}`)).json().displayName).toBe(`Kept-${run}`);
  });
});
