/**
 * Set-based member changes through the group service (the API SCIM calls): 1,000 members in one call, replace
 * and add/remove lists, atomicity, race-safe adds, and a user's erasure and export.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorContext } from '../../../src/core/context.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser, listEvents } from '../../helpers/users.ts';
import { addMember, createGroup } from './groups-helpers.ts';

let t: TestApp;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const email = () => `s${seq++}-${Date.now().toString(36)}@example.com`;

function ctxOf(tenant: TestTenant): ActorContext {
  return { tenantId: tenant.id, actor: 'test', brand: null, scopes: null, source: 'test', requestId: null };
}

async function createUsers(tenant: TestTenant, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => createUser(t, tenant, { email: email() })));
    ids.push(...batch.map((u) => u.id));
  }
  return ids;
}

async function countEvents(tenant: TestTenant, type: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from events where tenant_id = ${tenant.id}::uuid and type = ${type}`.execute(t.registry.db);
  return Number(rows[0]?.n);
}

describe('set-based member changes', () => {
  it('creates a group with 1,000 members in one call, replaces the set, and edits it with add/remove lists', async () => {
    const tenant = await createTenant(t);
    const ctx = ctxOf(tenant);
    const users = await createUsers(tenant, 1100);
    const first = users.slice(0, 1000);

    const created = await t.registry.groups.createGroup(ctx, { displayName: 'Everyone', members: first });
    expect(created).toMatchObject({ created: true, changed: true, membersRemoved: [] });
    expect(created.membersAdded).toEqual(first);
    expect(created.group).toMatchObject({ memberCount: 1000, version: 1 });
    expect(await countEvents(tenant, 'group.member_added')).toBe(1000);

    // Replace: keep 500, drop 500, add 100 new ones.
    const next = users.slice(500, 1100);
    const replaced = await t.registry.groups.replaceGroup(ctx, created.group.id, { displayName: 'Everyone', members: next });
    expect(replaced.membersAdded).toEqual(users.slice(1000, 1100));
    expect(replaced.membersRemoved.sort()).toEqual(users.slice(0, 500).sort());
    expect(replaced.changes).toEqual({});
    expect(replaced.group).toMatchObject({ memberCount: 600, version: 2 });
    expect(await countEvents(tenant, 'group.member_removed')).toBe(500);

    // The same replace again changes nothing and writes nothing.
    const again = await t.registry.groups.replaceGroup(ctx, created.group.id, { displayName: 'Everyone', members: next });
    expect(again).toMatchObject({ changed: false, membersAdded: [], membersRemoved: [], group: { version: 2 } });

    // Add/remove lists over HTTP: members already in are left alone, non-members ignored.
    const patch = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${created.group.id}`,
      headers: { ...tenant.auth, 'if-match': '"2"' },
      payload: {
        addMembers: users.slice(0, 10),
        removeMembers: users.slice(1050, 1100),
      },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json()).toMatchObject({ memberCount: 560, version: 3 });

    const members = (await t.registry.groupMembers.memberIdsOf(ctx, [created.group.id])).get(created.group.id) ?? [];
    expect(members.length).toBe(560);
    expect(new Set(members)).toEqual(new Set([...users.slice(0, 10), ...users.slice(500, 1050)]));
    expect((await t.registry.groups.listGroups(ctx, { member: users[3], count: true })).total).toBe(1);
  });

  it('is atomic: one unknown member fails the whole change and nothing moves', async () => {
    const tenant = await createTenant(t);
    const ctx = ctxOf(tenant);
    const users = await createUsers(tenant, 5);
    const group = await t.registry.groups.createGroup(ctx, { displayName: 'Atomic', members: users.slice(0, 3) });
    const missing = '018f0a4c-1f2e-7c3d-9b4a-5e6f7a8b9c0d';
    await expect(
      t.registry.groups.changeGroup(ctx, group.group.id, { displayName: 'Renamed', members: [users[3] as string, missing] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fieldErrors: [{ field: 'members[1]', code: 'not_found' }] });
    const after = await t.registry.groups.getGroup(ctx, group.group.id);
    expect(after).toMatchObject({ displayName: 'Atomic', memberCount: 3, version: 1 });
    expect(await countEvents(tenant, 'group.updated')).toBe(0);
    expect(await countEvents(tenant, 'group.member_added')).toBe(3);
  });

  it('finds groups by display name (case-insensitive) and external id, and pages by offset with exact totals', async () => {
    const tenant = await createTenant(t);
    const ctx = ctxOf(tenant);
    const a = await t.registry.groups.createGroup(ctx, { displayName: 'Sales EMEA', externalId: 'entra-1' });
    await t.registry.groups.createGroup(ctx, { displayName: 'Sales US' });
    await t.registry.groups.createGroup(ctx, { displayName: 'Support' });
    expect((await t.registry.groups.findGroupByDisplayName(ctx, 'sales emea'))?.id).toBe(a.group.id);
    expect((await t.registry.groups.findGroupByExternalId(ctx, 'entra-1'))?.id).toBe(a.group.id);
    expect(await t.registry.groups.findGroupByExternalId(ctx, 'ENTRA-1')).toBeNull();
    const page = await t.registry.groups.listGroups(ctx, { q: 'sales', offset: 1, limit: 1, count: true });
    expect(page).toMatchObject({ total: 2, data: [{ displayName: 'Sales US' }] });
  });
});

describe('race-safe membership', () => {
  it('makes one membership and one event from 30 parallel adds of one member', async () => {
    const tenant = await createTenant(t);
    const group = await createGroup(t, tenant, { displayName: 'Race' });
    const user = await createUser(t, tenant, { email: email() });
    const answers = await Promise.all(Array.from({ length: 30 }, () => addMember(t, tenant, group.id, user.id)));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 200)).toHaveLength(29);
    expect((await listEvents(t, tenant, { type: 'group.member_added' })).length).toBe(1);
    const got = (await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth })).json();
    expect(got).toMatchObject({ memberCount: 1, version: 2 });
  });

  it('agrees on one set when 10 parallel PATCHes add overlapping lists', async () => {
    const tenant = await createTenant(t);
    const group = await createGroup(t, tenant, { displayName: 'Overlap' });
    const users = await createUsers(tenant, 20);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.call({ method: 'PATCH', url: `/v1/groups/${group.id}`, headers: tenant.auth, payload: { addMembers: users.slice(i, i + 11) } }),
      ),
    );
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    const got = (await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth })).json();
    expect(got.memberCount).toBe(20);
    expect((await listEvents(t, tenant, { type: 'group.member_added' })).length).toBe(20);
  });
});

describe('erasure and export', () => {
  it('exports a user’s groups and erases the memberships, moving each group’s version on', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: email() });
    const other = await createUser(t, tenant, { email: email() });
    const a = await createGroup(t, tenant, { displayName: 'A', externalId: 'ext-a', roles: ['readonly'], members: [user.id, other.id] });
    const b = await createGroup(t, tenant, { displayName: 'B', members: [user.id] });

    const exported = await t.call({ method: 'GET', url: `/v1/users/${user.id}/export`, headers: tenant.auth });
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.json().groups).toMatchObject([
      { groupId: a.id, displayName: 'A', externalId: 'ext-a', roles: ['readonly'] },
      { groupId: b.id, displayName: 'B', externalId: null, roles: [] },
    ]);

    expect((await t.call({ method: 'DELETE', url: `/v1/users/${user.id}`, headers: tenant.auth })).statusCode).toBe(204);
    const groupA = (await t.call({ method: 'GET', url: `/v1/groups/${a.id}`, headers: tenant.auth })).json();
    const groupB = (await t.call({ method: 'GET', url: `/v1/groups/${b.id}`, headers: tenant.auth })).json();
    expect(groupA).toMatchObject({ memberCount: 1, version: 2 });
    expect(groupB).toMatchObject({ memberCount: 0, version: 2 });
    const members = (await t.call({ method: 'GET', url: `/v1/groups/${a.id}/members`, headers: tenant.auth })).json();
    expect(members.data.map((m: any) => m.userId)).toEqual([other.id]);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from group_members where tenant_id = ${tenant.id}::uuid and user_id = ${user.id}::uuid`.execute(
      t.registry.db,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });
});
