/** Effective roles: own roles ∪ the roles of the user's groups, in the user view, the role filter and access tokens. */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { createUser, listEvents } from '../../helpers/users.ts';
import { addMember, createGroup, removeMember } from './groups-helpers.ts';

const PASSWORD = 'correct horse battery staple';

let t: TestApp;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const email = () => `r${seq++}-${Date.now().toString(36)}@example.com`;

describe('effective roles', () => {
  it('shows roles and effectiveRoles, filters by effective role and puts them in access tokens', async () => {
    const tenant = await createTenant(t);
    const defined = await t.call({ method: 'POST', url: '/v1/roles', headers: tenant.auth, payload: { name: 'editor' } });
    expect(defined.statusCode, defined.body).toBe(201);
    const address = email();
    const user = await createUser(t, tenant, { email: address, roles: ['readonly'], password: PASSWORD });
    const bystander = await createUser(t, tenant, { email: email() });
    const editors = await createGroup(t, tenant, { displayName: 'Editors', roles: ['editor', 'readonly'] });
    const admins = await createGroup(t, tenant, { displayName: 'Admins', roles: ['admin'] });

    const view = async (id: string) => (await t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tenant.auth })).json();
    const withRole = async (role: string) =>
      (await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { role, count: 'true' } })).json();
    const tokenRoles = async () => {
      const res = await t.call({
        method: 'POST',
        url: '/v1/sessions',
        headers: tenant.auth,
        payload: { email: address, password: PASSWORD },
      });
      expect(res.statusCode, res.body).toBe(201);
      return decodeJwt(res.json().accessToken).roles;
    };

    expect(await view(user.id)).toMatchObject({ roles: ['readonly'], effectiveRoles: ['readonly'] });
    expect(await tokenRoles()).toEqual(['readonly']);
    expect((await withRole('editor')).total).toBe(0);

    expect((await addMember(t, tenant, editors.id, user.id)).statusCode).toBe(201);
    expect((await addMember(t, tenant, admins.id, user.id)).statusCode).toBe(201);
    expect(await view(user.id)).toMatchObject({ roles: ['readonly'], effectiveRoles: ['admin', 'editor', 'readonly'] });
    expect(await view(bystander.id)).toMatchObject({ roles: [], effectiveRoles: [] });
    expect(await tokenRoles()).toEqual(['admin', 'editor', 'readonly']);
    const editorsFound = await withRole('editor');
    expect(editorsFound).toMatchObject({ total: 1, data: [{ id: user.id, effectiveRoles: ['admin', 'editor', 'readonly'] }] });
    // Own roles still count, and a user with a role both ways is listed once.
    expect((await withRole('readonly')).data.map((u: any) => u.id)).toEqual([user.id]);

    expect((await removeMember(t, tenant, admins.id, user.id)).statusCode).toBe(204);
    expect((await view(user.id)).effectiveRoles).toEqual(['editor', 'readonly']);
    expect((await withRole('admin')).total).toBe(0);

    // Changing a group's roles changes every member's at once.
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${editors.id}`,
      headers: tenant.auth,
      payload: { roles: ['plan_admin'] },
    });
    expect(patched.json()).toMatchObject({ roles: ['plan_admin'], version: 3 });
    expect((await view(user.id)).effectiveRoles).toEqual(['plan_admin', 'readonly']);
    expect(await tokenRoles()).toEqual(['plan_admin', 'readonly']);
  });

  it('takes a deleted role away from the groups giving it, with group.updated', async () => {
    const tenant = await createTenant(t);
    await t.call({ method: 'POST', url: '/v1/roles', headers: tenant.auth, payload: { name: 'billing' } });
    const group = await createGroup(t, tenant, { displayName: 'Billing', roles: ['billing', 'readonly'] });
    const user = await createUser(t, tenant, { email: email() });
    await addMember(t, tenant, group.id, user.id);
    expect((await t.call({ method: 'DELETE', url: '/v1/roles/billing', headers: tenant.auth })).statusCode).toBe(204);
    const after = (await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ roles: ['readonly'], version: 3 });
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json().effectiveRoles).toEqual([
      'readonly',
    ]);
    const updated = await listEvents(t, tenant, { type: 'group.updated' });
    expect(updated).toMatchObject([
      { changes: { roles: { before: ['billing', 'readonly'], after: ['readonly'] } }, data: { groupId: group.id } },
    ]);
  });
});
