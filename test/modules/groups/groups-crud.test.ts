/** Groups over the native API: CRUD, ETags, uniqueness, tenant isolation, members, lists and their events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { expectProblem, problemFields } from '../../helpers/problem.ts';
import { createUser, listEvents } from '../../helpers/users.ts';
import { addMember, createGroup, removeMember } from './groups-helpers.ts';

let t: TestApp;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const email = () => `g${seq++}-${Date.now().toString(36)}@example.com`;

describe('groups CRUD', () => {
  it('creates, reads, patches with If-Match, lists and deletes a group, with its events', async () => {
    const tenant = await createTenant(t);
    const res = await t.call({
      method: 'POST',
      url: '/v1/groups',
      headers: tenant.auth,
      payload: { displayName: ' Editors ', externalId: 'okta-1', roles: ['readonly'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const group = res.json();
    expect(group).toMatchObject({ displayName: 'Editors', externalId: 'okta-1', roles: ['readonly'], memberCount: 0, version: 1 });
    expect(res.headers.location).toBe(`/v1/groups/${group.id}`);
    expect(res.headers.etag).toBe('"1"');

    const got = await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(group);
    expect(got.headers.etag).toBe('"1"');

    const stale = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${group.id}`,
      headers: { ...tenant.auth, 'if-match': '"7"' },
      payload: { displayName: 'Writers' },
    });
    expect(expectProblem(stale, 412, 'PRECONDITION_FAILED')).toMatchObject({ currentVersion: 1 });

    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${group.id}`,
      headers: { ...tenant.auth, 'if-match': '"1"' },
      payload: { displayName: 'Writers', externalId: null },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ displayName: 'Writers', externalId: null, roles: ['readonly'], version: 2 });
    expect(patched.headers.etag).toBe('"2"');

    // A patch that changes nothing writes nothing.
    const same = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${group.id}`,
      headers: tenant.auth,
      payload: { displayName: 'Writers' },
    });
    expect(same.json().version).toBe(2);

    const list = await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth, query: { count: 'true' } });
    expect(list.json()).toMatchObject({ data: [{ id: group.id, displayName: 'Writers' }], nextCursor: null, total: 1 });

    const del = await t.call({ method: 'DELETE', url: `/v1/groups/${group.id}`, headers: tenant.auth });
    expect(del.statusCode).toBe(204);
    expectProblem(await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth }), 404, 'GROUP_NOT_FOUND');
    expectProblem(await t.call({ method: 'DELETE', url: `/v1/groups/${group.id}`, headers: tenant.auth }), 404, 'GROUP_NOT_FOUND');

    const types = (await listEvents(t, tenant)).filter((e) => e.type.startsWith('group.'));
    expect(types.map((e) => e.type)).toEqual(['group.created', 'group.updated', 'group.deleted']);
    expect(types[0]).toMatchObject({
      data: { groupId: group.id, displayName: 'Editors', externalId: 'okta-1' },
      changes: { displayName: { before: null, after: 'Editors' }, roles: { before: null, after: ['readonly'] } },
    });
    expect(types[1].changes).toEqual({
      displayName: { before: 'Editors', after: 'Writers' },
      externalId: { before: 'okta-1', after: null },
    });
    expect(types[2].data).toEqual({ groupId: group.id, displayName: 'Writers', externalId: null, membersRemoved: 0 });
  });

  it('refuses a taken displayName (case-insensitive) and externalId with a 409 naming the field and the holder', async () => {
    const tenant = await createTenant(t);
    const first = await createGroup(t, tenant, { displayName: 'Admins', externalId: 'ext-1' });
    const byName = await t.call({ method: 'POST', url: '/v1/groups', headers: tenant.auth, payload: { displayName: 'aDMINS' } });
    expect(expectProblem(byName, 409, 'GROUP_DISPLAY_NAME_TAKEN')).toMatchObject({ field: 'displayName', existingId: first.id });
    expect(problemFields(byName)).toEqual(['displayName']);
    const byExt = await t.call({
      method: 'POST',
      url: '/v1/groups',
      headers: tenant.auth,
      payload: { displayName: 'Other', externalId: 'ext-1' },
    });
    expect(expectProblem(byExt, 409, 'GROUP_EXTERNAL_ID_TAKEN')).toMatchObject({ field: 'externalId', existingId: first.id });

    const second = await createGroup(t, tenant, { displayName: 'Others' });
    const rename = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${second.id}`,
      headers: tenant.auth,
      payload: { displayName: 'admins' },
    });
    expect(expectProblem(rename, 409, 'GROUP_DISPLAY_NAME_TAKEN')).toMatchObject({ existingId: first.id });
    // A change of case of its own name is no conflict.
    const recase = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${first.id}`,
      headers: tenant.auth,
      payload: { displayName: 'ADMINS' },
    });
    expect(recase.json()).toMatchObject({ displayName: 'ADMINS', version: 2 });

    // Another tenant may use the same names.
    const other = await createTenant(t);
    expect((await createGroup(t, other, { displayName: 'Admins', externalId: 'ext-1' })).displayName).toBe('Admins');
  });

  it('validates the body: blank name, unknown role, unknown member, members with addMembers', async () => {
    const tenant = await createTenant(t);
    const bad = await t.call({
      method: 'POST',
      url: '/v1/groups',
      headers: tenant.auth,
      payload: { displayName: '  ', roles: ['no-such-role'], members: ['not-a-uuid', '018f0a4c-1f2e-7c3d-9b4a-5e6f7a8b9c0d'] },
    });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(problemFields(bad).sort()).toEqual(['displayName', 'members[0]', 'roles[0]']);
    const unknownUser = await t.call({
      method: 'POST',
      url: '/v1/groups',
      headers: tenant.auth,
      payload: { displayName: 'X', members: ['018f0a4c-1f2e-7c3d-9b4a-5e6f7a8b9c0d'] },
    });
    expectProblem(unknownUser, 422, 'VALIDATION_FAILED');
    expect(problemFields(unknownUser)).toEqual(['members[0]']);
    const group = await createGroup(t, tenant, { displayName: 'Y' });
    const both = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${group.id}`,
      headers: tenant.auth,
      payload: { members: [], addMembers: [] },
    });
    expect(problemFields(both)).toEqual(['members']);
    // Nothing was created by the failed calls.
    const list = await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth, query: { count: 'true' } });
    expect(list.json().total).toBe(1);
  });

  it('keeps tenants apart: another tenant’s group and user answer 404 on every route', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    const group = await createGroup(t, a, { displayName: 'Secret' });
    const userA = await createUser(t, a, { email: email() });
    const userB = await createUser(t, b, { email: email() });
    for (const [method, url] of [
      ['GET', `/v1/groups/${group.id}`],
      ['PATCH', `/v1/groups/${group.id}`],
      ['DELETE', `/v1/groups/${group.id}`],
      ['GET', `/v1/groups/${group.id}/members`],
      ['PUT', `/v1/groups/${group.id}/members/${userB.id}`],
      ['DELETE', `/v1/groups/${group.id}/members/${userB.id}`],
    ] as const) {
      const res = await t.call({ method, url, headers: b.auth, ...(method === 'PATCH' ? { payload: { displayName: 'x' } } : {}) });
      expectProblem(res, 404, 'GROUP_NOT_FOUND');
    }
    // A's group with B's user: the user is unknown in A.
    expectProblem(await addMember(t, a, group.id, userB.id), 404, 'USER_NOT_FOUND');
    expectProblem(await t.call({ method: 'GET', url: `/v1/users/${userA.id}/groups`, headers: b.auth }), 404, 'USER_NOT_FOUND');
    const patchWithForeign = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${group.id}`,
      headers: a.auth,
      payload: { addMembers: [userB.id] },
    });
    expect(problemFields(patchWithForeign)).toEqual(['addMembers[0]']);
    expect((await t.call({ method: 'GET', url: '/v1/groups', headers: b.auth })).json().data).toEqual([]);
    expect((await t.call({ method: 'GET', url: '/v1/users', headers: b.auth, query: { group: group.id } })).json().data).toEqual([]);
  });

  it('needs groups:read and groups:write', async () => {
    const tenant = await createTenant(t);
    const readOnly = await createKey(t, tenant.id, { name: 'r', scopes: ['groups:read'] });
    const auth = { authorization: `Bearer ${readOnly}` };
    expect((await t.call({ method: 'GET', url: '/v1/groups', headers: auth })).statusCode).toBe(200);
    expectProblem(await t.call({ method: 'POST', url: '/v1/groups', headers: auth, payload: { displayName: 'x' } }), 403, 'SCOPE_MISSING');
    const noGroups = await createKey(t, tenant.id, { name: 'u', scopes: ['users:read'] });
    expectProblem(
      await t.call({ method: 'GET', url: '/v1/groups', headers: { authorization: `Bearer ${noGroups}` } }),
      403,
      'SCOPE_MISSING',
    );
  });
});

describe('group members', () => {
  it('adds (201, then 200), lists with a cursor, removes idempotently, and versions the group', async () => {
    const tenant = await createTenant(t);
    const group = await createGroup(t, tenant, { displayName: 'Team' });
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await createUser(t, tenant, { email: email() }));
    for (const user of users) expect((await addMember(t, tenant, group.id, user.id)).statusCode).toBe(201);
    const again = await addMember(t, tenant, group.id, users[0].id);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, groupId: group.id, userId: users[0].id });

    const got = (await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth })).json();
    expect(got).toMatchObject({ memberCount: 3, version: 4 });

    const page1 = (
      await t.call({ method: 'GET', url: `/v1/groups/${group.id}/members`, headers: tenant.auth, query: { limit: '2' } })
    ).json();
    expect(page1.data.map((m: any) => m.userId)).toEqual([users[0].id, users[1].id]);
    expect(page1.data[0].user).toMatchObject({ id: users[0].id, email: users[0].email });
    const page2 = (
      await t.call({
        method: 'GET',
        url: `/v1/groups/${group.id}/members`,
        headers: tenant.auth,
        query: { limit: '2', cursor: page1.nextCursor },
      })
    ).json();
    expect(page2).toMatchObject({ data: [{ userId: users[2].id }], nextCursor: null });

    const mine = (await t.call({ method: 'GET', url: `/v1/users/${users[1].id}/groups`, headers: tenant.auth })).json();
    expect(mine.data).toMatchObject([{ group: { id: group.id, displayName: 'Team', memberCount: 3 } }]);

    const members = (
      await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { group: group.id, count: 'true' } })
    ).json();
    expect(members.total).toBe(3);
    expect(members.data.map((u: any) => u.id).sort()).toEqual(users.map((u) => u.id).sort());
    const byMember = (await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth, query: { member: users[2].id } })).json();
    expect(byMember.data.map((g: any) => g.id)).toEqual([group.id]);

    expect((await removeMember(t, tenant, group.id, users[1].id)).statusCode).toBe(204);
    expect((await removeMember(t, tenant, group.id, users[1].id)).statusCode).toBe(204);
    const after = (await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ memberCount: 2, version: 5 });

    const events = await listEvents(t, tenant);
    expect(events.filter((e) => e.type === 'group.member_added').map((e) => e.userId)).toEqual(users.map((u) => u.id));
    expect(events.filter((e) => e.type === 'group.member_removed')).toMatchObject([
      { userId: users[1].id, data: { groupId: group.id, displayName: 'Team', externalId: null } },
    ]);

    const del = await t.call({ method: 'DELETE', url: `/v1/groups/${group.id}`, headers: tenant.auth });
    expect(del.statusCode).toBe(204);
    expect((await listEvents(t, tenant, { type: 'group.deleted' }))[0].data.membersRemoved).toBe(2);
    expect((await t.call({ method: 'GET', url: `/v1/users/${users[0].id}/groups`, headers: tenant.auth })).json().data).toEqual([]);
  });

  it('lists groups by displayName, externalId and q, with cursors and exact totals', async () => {
    const tenant = await createTenant(t);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createGroup(t, tenant, { displayName: `Dept ${i}`, externalId: `d-${i}` }));
    const byName = (await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth, query: { displayName: 'dept 3' } })).json();
    expect(byName.data.map((g: any) => g.id)).toEqual([made[3].id]);
    const byExt = (await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth, query: { externalId: 'd-1' } })).json();
    expect(byExt.data.map((g: any) => g.id)).toEqual([made[1].id]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (
        await t.call({
          method: 'GET',
          url: '/v1/groups',
          headers: tenant.auth,
          query: { q: 'DEPT', limit: '2', count: 'true', ...(cursor ? { cursor } : {}) },
        })
      ).json();
      expect(page.total).toBe(5);
      seen.push(...page.data.map((g: any) => g.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(made.map((g) => g.id));
    expectProblem(
      await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth, query: { cursor: 'nope' } }),
      400,
      'INVALID_PARAMETER',
    );
  });
});
