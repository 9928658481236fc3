import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem, problemFields } from '../../helpers/problem.ts';
import { createUser, listEvents } from '../../helpers/users.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function defineRole(tenant: TestTenant, payload: Record<string, unknown>, headers = tenant.auth) {
  return t.call({ method: 'POST', url: '/v1/roles', headers, payload });
}

async function roleNames(tenant: TestTenant): Promise<string[]> {
  const res = await t.call({ method: 'GET', url: '/v1/roles', headers: tenant.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.map((r: any) => r.name);
}

describe('the role catalogue', () => {
  it('lists built-in roles, defines and deletes tenant roles', async () => {
    const tenant = await createTenant(t);
    expect(await roleNames(tenant)).toEqual(['admin', 'plan_admin', 'readonly']);
    const res = await defineRole(tenant, { name: 'editor', description: 'Edits articles' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: 'editor', builtIn: false, description: 'Edits articles' });
    expect(await roleNames(tenant)).toEqual(['admin', 'plan_admin', 'readonly', 'editor']);
    const listed = (await t.call({ method: 'GET', url: '/v1/roles', headers: tenant.auth })).json().data;
    expect(listed[0]).toEqual({ name: 'admin', builtIn: true, description: null, createdAt: null });

    expect(expectProblem(await defineRole(tenant, { name: 'editor' }), 409, 'ROLE_EXISTS').name).toBe('editor');
    expectProblem(await defineRole(tenant, { name: 'admin' }), 409, 'ROLE_EXISTS');
    const bad = await defineRole(tenant, { name: 'has space' });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(problemFields(bad)).toEqual(['name']);

    expectProblem(await t.call({ method: 'DELETE', url: '/v1/roles/admin', headers: tenant.auth }), 409, 'ROLE_BUILT_IN');
    expectProblem(await t.call({ method: 'DELETE', url: '/v1/roles/ghost', headers: tenant.auth }), 404, 'ROLE_NOT_FOUND');
    expect((await t.call({ method: 'DELETE', url: '/v1/roles/editor', headers: tenant.auth })).statusCode).toBe(204);
    expect(await roleNames(tenant)).toEqual(['admin', 'plan_admin', 'readonly']);
    const types = (await listEvents(t, tenant, {})).map((e) => e.type);
    expect(types.filter((type) => type.startsWith('role.'))).toEqual(['role.defined', 'role.deleted']);
  });

  it('users may hold defined roles only; deleting a role takes it away, with an event per user', async () => {
    const tenant = await createTenant(t);
    const refused = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'ed@example.com', roles: ['editor'] },
    });
    expectProblem(refused, 422, 'VALIDATION_FAILED');
    expect(problemFields(refused)).toEqual(['roles[0]']);

    expect((await defineRole(tenant, { name: 'editor' })).statusCode).toBe(201);
    const ed = await createUser(t, tenant, { email: 'ed@example.com', roles: ['editor', 'admin'] });
    expect(ed.roles).toEqual(['admin', 'editor']);
    const plain = await createUser(t, tenant, { email: 'plain@example.com' });
    const byRole = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { role: 'editor' } });
    expect(byRole.json().data.map((u: any) => u.id)).toEqual([ed.id]);

    expect((await t.call({ method: 'DELETE', url: '/v1/roles/editor', headers: tenant.auth })).statusCode).toBe(204);
    const after = (await t.call({ method: 'GET', url: `/v1/users/${ed.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ roles: ['admin'], version: ed.version + 1 });
    expect((await t.call({ method: 'GET', url: `/v1/users/${plain.id}`, headers: tenant.auth })).json().version).toBe(plain.version);
    const changed = await listEvents(t, tenant, { type: 'user.roles_changed' });
    expect(changed.map((e) => [e.userId, e.changes])).toEqual([
      [ed.id, { roles: { before: [], after: ['admin', 'editor'] } }],
      [ed.id, { roles: { before: ['admin', 'editor'], after: ['admin'] } }],
    ]);
    expect((await listEvents(t, tenant, { type: 'role.deleted' }))[0].data).toEqual({ name: 'editor', usersChanged: 1 });
  });

  it('defining and deleting roles needs users:roles; listing needs users:read', async () => {
    const tenant = await createTenant(t);
    const writer = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'w', scopes: ['users:read', 'users:write'] })}` };
    expect((await t.call({ method: 'GET', url: '/v1/roles', headers: writer })).statusCode).toBe(200);
    expect(expectProblem(await defineRole(tenant, { name: 'x' }, writer), 403, 'SCOPE_MISSING').scope).toBe('users:roles');
    expect((await defineRole(tenant, { name: 'x' })).statusCode).toBe(201);
    expectProblem(await t.call({ method: 'DELETE', url: '/v1/roles/x', headers: writer }), 403, 'SCOPE_MISSING');
  });

  it('another tenant neither sees nor may use a tenant’s roles', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    expect((await defineRole(tenant, { name: 'curator' })).statusCode).toBe(201);
    expect(await roleNames(other)).toEqual(['admin', 'plan_admin', 'readonly']);
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: other.auth,
      payload: { email: 'c@example.com', roles: ['curator'] },
    });
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expectProblem(await t.call({ method: 'DELETE', url: '/v1/roles/curator', headers: other.auth }), 404, 'ROLE_NOT_FOUND');
    // The same name is free there.
    expect((await defineRole(other, { name: 'curator' })).statusCode).toBe(201);
  });
});

describe('user.roles_changed', () => {
  it('is written with before/after lists on create, patch and upsert, and only when roles change', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'r@example.com', roles: ['readonly'] });
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: tenant.auth,
      payload: { roles: ['admin', 'readonly'] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: tenant.auth,
      payload: { city: 'Lima', roles: ['readonly', 'admin'] },
    });
    const upserted = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/r-1',
      headers: tenant.auth,
      payload: { roles: ['plan_admin'] },
    });
    expect(upserted.statusCode).toBe(201);
    const upsertedAgain = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/r-1',
      headers: tenant.auth,
      payload: { roles: [] },
    });
    expect(upsertedAgain.statusCode).toBe(200);
    const found = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: tenant.auth,
      payload: { email: 'f@example.com', roles: ['admin'] },
    });
    expect(found.statusCode).toBe(201);

    const events = await listEvents(t, tenant, { type: 'user.roles_changed' });
    expect(events.map((e) => [e.userId, e.changes.roles])).toEqual([
      [user.id, { before: [], after: ['readonly'] }],
      [user.id, { before: ['readonly'], after: ['admin', 'readonly'] }],
      [upserted.json().user.id, { before: [], after: ['plan_admin'] }],
      [upserted.json().user.id, { before: ['plan_admin'], after: [] }],
      [found.json().user.id, { before: [], after: ['admin'] }],
    ]);
    // The change and its roles event share one write: same request id, next to each other in the feed.
    const all = await listEvents(t, tenant, { userId: user.id });
    expect(all.map((e) => e.type)).toEqual(['user.created', 'user.roles_changed', 'user.updated', 'user.roles_changed', 'user.updated']);
    expect(all[2].requestId).toBe(all[3].requestId);
  });

  it('a key without users:roles cannot grant admin (403) and nothing is written', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'nogrant@example.com' });
    const writer = { authorization: `Bearer ${await createKey(t, tenant.id, { name: 'w', scopes: ['users:read', 'users:write'] })}` };
    const res = await t.call({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: writer, payload: { roles: ['admin'] } });
    expect(expectProblem(res, 403, 'SCOPE_MISSING').scope).toBe('users:roles');
    const upsert = await t.call({ method: 'PUT', url: '/v1/users/by-external-id/x', headers: writer, payload: { roles: ['admin'] } });
    expectProblem(upsert, 403, 'SCOPE_MISSING');
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json().roles).toEqual([]);
    expect(await listEvents(t, tenant, { type: 'user.roles_changed' })).toEqual([]);
  });
});
