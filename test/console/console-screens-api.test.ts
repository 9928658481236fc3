import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { as, consoleSignIn } from '../helpers/console.ts';

let t: TestApp;
let tenantA: TestTenant;
let tenantB: TestTenant;

beforeAll(async () => {
  t = await createTestApp({ console: true, config: { secretKey: Buffer.alloc(32, 3) } });
  tenantA = await createTenant(t);
  tenantB = await createTenant(t);
});
afterAll(() => t.close());

const signIn = (payload: Record<string, string>) => consoleSignIn(t, payload);
const PASSWORD = 'correct horse battery staple';
const SCREENS = ['groups', 'companies', 'webhooks', 'imports', 'providers'];

describe('console API: groups, companies, webhooks, imports, providers', () => {
  it('a tenant operator reaches its tenant’s screens and none of another tenant’s (404, as for no tenant)', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const created = await t.call({
      method: 'POST',
      url: '/console/api/operators',
      headers: as(admin),
      payload: {
        email: `screens-${process.pid}-${Date.now()}@example.com`,
        name: 'Op',
        password: PASSWORD,
        role: 'tenant',
        tenants: [tenantA.id],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const op = await signIn({ email: created.json().email, password: PASSWORD });
    for (const screen of SCREENS) {
      const mine = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantA.id}/${screen}`, headers: as(op) });
      expect(mine.statusCode, `${screen}: ${mine.body}`).toBe(200);
      const theirs = await t.call({ method: 'GET', url: `/console/api/tenants/${tenantB.id}/${screen}`, headers: as(op) });
      expect(theirs.statusCode, screen).toBe(404);
      expect(theirs.json().code).toBe('TENANT_NOT_FOUND');
    }
    const user = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenantB.auth,
      payload: { email: `b-${Date.now()}@example.com` },
    });
    for (const part of ['groups', 'companies', 'identities']) {
      const theirs = await t.call({
        method: 'GET',
        url: `/console/api/tenants/${tenantB.id}/users/${user.json().id}/${part}`,
        headers: as(op),
      });
      expect(theirs.statusCode, part).toBe(404);
    }
    const write = await t.call({
      method: 'POST',
      url: `/console/api/tenants/${tenantB.id}/groups`,
      headers: as(op),
      payload: { displayName: 'Sneaky' },
    });
    expect(write.statusCode).toBe(404);
    const groups = await t.call({ method: 'GET', url: '/v1/groups', headers: tenantB.auth });
    expect(groups.json().data).toEqual([]);
  });

  it('refuses writes without the CSRF token, and records the operator as the actor of what it does', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const url = `/console/api/tenants/${tenantA.id}/groups`;
    const refused = await t.call({ method: 'POST', url, headers: as(admin, false), payload: { displayName: 'NoCsrf' } });
    expect(refused.statusCode).toBe(403);
    const ok = await t.call({ method: 'POST', url, headers: as(admin), payload: { displayName: 'WithCsrf' } });
    expect(ok.statusCode, ok.body).toBe(201);
    const events = await t.call({ method: 'GET', url: '/v1/events?type=group.created', headers: tenantA.auth });
    const mine = events.json().data.filter((e: { data: { groupId?: string } | null }) => JSON.stringify(e).includes(ok.json().id));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0].actor).toBe('admin');
  });

  it('names the field at fault in problem+json: a group without a name, a webhook with a bad URL, an upload without a file', async () => {
    const admin = await signIn({ adminToken: ADMIN_TOKEN });
    const group = await t.call({ method: 'POST', url: `/console/api/tenants/${tenantA.id}/groups`, headers: as(admin), payload: {} });
    expect(group.statusCode, group.body).toBe(422);
    expect(group.json().errors.map((e: { field: string }) => e.field)).toContain('displayName');
    const hook = await t.call({
      method: 'POST',
      url: `/console/api/tenants/${tenantA.id}/webhooks`,
      headers: as(admin),
      payload: { url: 'ftp://x' },
    });
    expect(hook.statusCode, hook.body).toBe(422);
    expect(hook.json().errors.map((e: { field: string }) => e.field)).toContain('url');
    const upload = await t.call({
      method: 'POST',
      url: `/console/api/tenants/${tenantA.id}/imports?match=email`,
      headers: { ...as(admin), 'content-type': 'application/json' },
      payload: {},
    });
    expect(upload.statusCode, upload.body).toBe(422);
    expect(upload.json().errors.map((e: { field: string }) => e.field)).toContain('file');
    const lookup = await t.call({
      method: 'GET',
      url: `/console/api/tenants/${tenantA.id}/providers-lookup?email=not-an-email`,
      headers: as(admin),
    });
    expect(lookup.statusCode, lookup.body).toBe(400);
    expect(lookup.json().errors.map((e: { field: string }) => e.field)).toContain('email');
  });
});
