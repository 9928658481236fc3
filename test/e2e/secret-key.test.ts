/**
 * Without ROSTER_SECRET_KEY the server generates a sealing key at first start and keeps it in its database: Naviga's
 * `encryptedCustomerRegistrationId` is a string as the document promises, the start-up log says where the key is
 * kept, and provider credentials sealed under it still open after a restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/backend.ts';
import { AUTH0_CLIENT, startAuth0 } from '../helpers/upstream.ts';
import { ADMIN_TOKEN, createTenantOver, freshStorage, killAll, type ServerProcess, type Storage, startServerProcess } from './process.ts';

let auth0: Awaited<ReturnType<typeof startAuth0>>;
const cleanups: Storage[] = [];

beforeAll(async () => {
  auth0 = await startAuth0([{ user_id: 'auth0|zed', email: 'zed@example.com', given_name: 'Zed', family_name: 'Upstream' }]);
});
afterAll(() => auth0.close());
afterEach(async () => {
  await killAll();
  for (const storage of cleanups.splice(0)) await storage.cleanup();
});

async function send(server: ServerProcess, headers: Record<string, string>, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

const CODES = { clientGroup: 'CG1', client: 'CL1', paper: 'PP1' };
const naviga = (auth: Record<string, string>) => ({
  ...auth,
  'X-SourceSystem': 'e2e',
  'X-ClientGroupCode': CODES.clientGroup,
  'X-ClientCode': CODES.client,
  'X-PaperCode': CODES.paper,
});

describe(`a generated secret key on ${backend} (real server process)`, () => {
  it('is generated at first start, logged with where it is kept, and still opens provider credentials after a restart', async () => {
    const base = await freshStorage('secretkey');
    cleanups.push(base);
    const storage: Storage = { ...base, env: { ...base.env, ROSTER_ALLOW_PRIVATE_UPSTREAMS: 'on' } };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

    const first = await startServerProcess(storage);
    expect(first.output()).toContain('ROSTER_SECRET_KEY is not set');
    expect(first.output()).toContain('roster_settings.generated_secret_key');
    expect(first.output()).toMatch(/"generatedNow":true/);
    const tenant = await createTenantOver(first, 'sealed');
    const codes = await send(first, admin, 'PATCH', `/v1/admin/tenants/${tenant.id}`, { codes: CODES });
    expect(codes.status, JSON.stringify(codes.body)).toBe(200);
    const provider = await send(first, admin, 'POST', `/v1/admin/tenants/${tenant.id}/providers`, {
      name: 'auth0',
      type: 'auth0',
      endpoint: auth0.url,
      credentials: AUTH0_CLIENT,
    });
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    expect((await send(first, tenant.auth, 'POST', '/v1/users', { email: 'ada@example.com' })).status).toBe(201);

    const local = await send(first, naviga(tenant.auth), 'GET', '/v4/Users?email=ada@example.com&ignoreProvider=true');
    expect(local.status, JSON.stringify(local.body)).toBe(200);
    const sealed = local.body.data[0].encryptedCustomerRegistrationId;
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    await stop(first);

    const second = await startServerProcess(storage);
    expect(second.output()).toContain('ROSTER_SECRET_KEY is not set');
    expect(second.output()).toMatch(/"generatedNow":false/);
    // Only the provider knows Zed: the answer carries its name only if the stored credentials opened.
    const upstream = await send(second, naviga(tenant.auth), 'GET', '/v4/Users?email=zed@example.com');
    expect(upstream.status, JSON.stringify(upstream.body)).toBe(200);
    expect(upstream.body.data[0]).toMatchObject({ email: 'zed@example.com', firstName: 'Zed', lastName: 'Upstream' });
    expect(second.output()).not.toContain(AUTH0_CLIENT.clientSecret);
    await stop(second);
  }, 240_000);
});
