import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser, defineAttribute, fieldsOf, listEvents } from '../../helpers/users.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function putAttribute(tenant: TestTenant, id: string, name: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.call({
    method: 'PUT',
    url: `/v1/users/${id}/attributes/${name}`,
    headers: { ...tenant.auth, ...headers },
    payload: payload as object,
  });
}

function patchAttributes(tenant: TestTenant, id: string, payload: Record<string, unknown>) {
  return t.call({ method: 'PATCH', url: `/v1/users/${id}/attributes`, headers: tenant.auth, payload });
}

function errorsOf(res: { json: () => any }): { field: string; code: string }[] {
  return res.json().errors.map((e: any) => ({ field: e.field, code: e.code }));
}

describe('attribute definitions', () => {
  it('defines every type, lists them by name, records attribute.defined', async () => {
    const tenant = await createTenant(t);
    const empty = await t.call({ method: 'GET', url: '/v1/attribute-definitions', headers: tenant.auth });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ data: [] });

    const res = await t.call({
      method: 'POST',
      url: '/v1/attribute-definitions',
      headers: tenant.auth,
      payload: { name: 'tier', type: 'string', searchable: true, unique: false, description: 'Loyalty tier' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      name: 'tier',
      type: 'string',
      searchable: true,
      unique: false,
      description: 'Loyalty tier',
      createdAt: expect.any(String),
    });
    for (const [name, type] of [
      ['age', 'number'],
      ['vip', 'boolean'],
      ['since', 'date'],
      ['prefs', 'json'],
    ]) {
      expect(await defineAttribute(t, tenant, { name, type })).toMatchObject({
        name,
        type,
        searchable: false,
        unique: false,
        description: null,
      });
    }
    const listed = await t.call({ method: 'GET', url: '/v1/attribute-definitions', headers: tenant.auth });
    expect(listed.json().data.map((d: any) => `${d.name}:${d.type}`)).toEqual([
      'age:number',
      'prefs:json',
      'since:date',
      'tier:string',
      'vip:boolean',
    ]);

    const events = await listEvents(t, tenant, { type: 'attribute.defined' });
    expect(events.map((e) => e.data.name)).toEqual(['tier', 'age', 'vip', 'since', 'prefs']);
    expect(events[0].data).toEqual({ name: 'tier', type: 'string', searchable: true, unique: false });
  });

  it('a duplicate name → 409; bad names, types and fields → 422 naming them', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'code', type: 'string' });
    const dup = await t.call({
      method: 'POST',
      url: '/v1/attribute-definitions',
      headers: tenant.auth,
      payload: { name: 'code', type: 'number' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'ATTRIBUTE_DEFINITION_EXISTS', name: 'code' });
    expect(fieldsOf(dup)).toEqual(['name']);

    for (const [payload, field] of [
      [{ name: '1st', type: 'string' }, 'name'],
      [{ name: 'has-dash', type: 'string' }, 'name'],
      [{ name: '', type: 'string' }, 'name'],
      [{ name: 'ok', type: 'text' }, 'type'],
      [{ name: 'ok' }, 'type'],
      [{ name: 'ok', type: 'string', indexed: true }, 'indexed'],
    ] as const) {
      const res = await t.call({ method: 'POST', url: '/v1/attribute-definitions', headers: tenant.auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(fieldsOf(res)).toContain(field);
    }
    const listed = await t.call({ method: 'GET', url: '/v1/attribute-definitions', headers: tenant.auth });
    expect(listed.json().data.map((d: any) => d.name)).toEqual(['code']);
  });

  it('definitions are per tenant', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'shared', type: 'string', unique: true });
    const otherList = await t.call({ method: 'GET', url: '/v1/attribute-definitions', headers: other.auth });
    expect(otherList.json()).toEqual({ data: [] });
    // The same name is free in another tenant, with another type.
    expect(await defineAttribute(t, other, { name: 'shared', type: 'number' })).toMatchObject({ type: 'number', unique: false });
    const user = await createUser(t, other, { email: 'x@example.com' });
    const set = await putAttribute(other, user.id, 'shared', { value: 5 });
    expect(set.statusCode, set.body).toBe(200);
  });
});

describe('setting attribute values', () => {
  it('PUT sets one value (version, ETag, attribute.set event); null removes it; the same value changes nothing', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'tier', type: 'string' });
    const user = await createUser(t, tenant, { email: 'put@example.com' });

    const res = await putAttribute(tenant, user.id, 'tier', { value: 'gold' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: user.id, attributes: { tier: 'gold' }, version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json().attributes).toEqual({
      tier: 'gold',
    });

    const same = await putAttribute(tenant, user.id, 'tier', { value: 'gold' });
    expect(same.json().version).toBe(2);

    const changed = await putAttribute(tenant, user.id, 'tier', { value: 'silver' }, { 'if-match': '"2"' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().version).toBe(3);
    const stale = await putAttribute(tenant, user.id, 'tier', { value: 'bronze' }, { 'if-match': '"2"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('PRECONDITION_FAILED');

    const removed = await putAttribute(tenant, user.id, 'tier', { value: null });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ attributes: {}, version: 4 });

    const events = await listEvents(t, tenant, { type: 'attribute.set', userId: user.id });
    expect(events.map((e) => e.changes)).toEqual([
      { 'attributes.tier': { before: null, after: 'gold' } },
      { 'attributes.tier': { before: 'gold', after: 'silver' } },
      { 'attributes.tier': { before: 'silver', after: null } },
    ]);
    expect(await listEvents(t, tenant, { type: 'user.updated', userId: user.id })).toEqual([]);

    const missingValue = await putAttribute(tenant, user.id, 'tier', {});
    expect(missingValue.statusCode).toBe(422);
    expect(fieldsOf(missingValue)).toContain('value');
  });

  it('PATCH sets many at once and null removes one; one event lists every change', async () => {
    const tenant = await createTenant(t);
    for (const [name, type] of [
      ['tier', 'string'],
      ['age', 'number'],
      ['vip', 'boolean'],
      ['since', 'date'],
      ['prefs', 'json'],
    ]) {
      await defineAttribute(t, tenant, { name, type });
    }
    const user = await createUser(t, tenant, { email: 'many@example.com', attributes: { tier: 'gold', age: 30 } });
    const res = await patchAttributes(tenant, user.id, {
      tier: null,
      age: 31,
      vip: false,
      since: '2024-02-29',
      prefs: { theme: 'dark', tags: ['a', 'b'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().attributes).toEqual({ age: 31, vip: false, since: '2024-02-29', prefs: { theme: 'dark', tags: ['a', 'b'] } });
    expect(res.json().version).toBe(2);

    const [event] = await listEvents(t, tenant, { type: 'attribute.set', userId: user.id });
    expect(event.changes).toEqual({
      'attributes.tier': { before: 'gold', after: null },
      'attributes.age': { before: 30, after: 31 },
      'attributes.vip': { before: null, after: false },
      'attributes.since': { before: null, after: '2024-02-29' },
      'attributes.prefs': { before: null, after: { theme: 'dark', tags: ['a', 'b'] } },
    });

    const timestamp = await patchAttributes(tenant, user.id, { since: '2024-02-29T10:00:00Z', prefs: [1, 'two', null] });
    expect(timestamp.statusCode, timestamp.body).toBe(200);
    expect(timestamp.json().attributes.prefs).toEqual([1, 'two', null]);

    const empty = await patchAttributes(tenant, user.id, {});
    expect(empty.statusCode).toBe(200);
    expect(empty.json().version).toBe(3);
  });

  it('a value of the wrong type → 422 naming attributes.<name>; nothing is written', async () => {
    const tenant = await createTenant(t);
    for (const [name, type] of [
      ['tier', 'string'],
      ['age', 'number'],
      ['vip', 'boolean'],
      ['since', 'date'],
    ]) {
      await defineAttribute(t, tenant, { name, type });
    }
    const user = await createUser(t, tenant, { email: 'types@example.com' });
    for (const [name, value] of [
      ['tier', 5],
      ['tier', { a: 1 }],
      ['age', '31'],
      ['vip', 'true'],
      ['vip', 1],
      ['since', '2024-02-30'],
      ['since', 'yesterday'],
      ['since', 20240101],
    ] as const) {
      const res = await putAttribute(tenant, user.id, name, { value });
      expect(res.statusCode, `${name}=${JSON.stringify(value)}`).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(errorsOf(res)).toEqual([{ field: `attributes.${name}`, code: 'ATTRIBUTE_TYPE_MISMATCH' }]);
    }
    const many = await patchAttributes(tenant, user.id, { tier: 'ok', age: 'x', vip: 'y' });
    expect(many.statusCode).toBe(422);
    expect(fieldsOf(many).sort()).toEqual(['attributes.age', 'attributes.vip']);

    // The same checks apply on create and on PATCH /v1/users/{id}.
    const created = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'c@example.com', attributes: { age: 'old' } },
    });
    expect(created.statusCode).toBe(422);
    expect(fieldsOf(created)).toEqual(['attributes.age']);
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: tenant.auth,
      payload: { attributes: { vip: 'no' } },
    });
    expect(patched.statusCode).toBe(422);
    expect(fieldsOf(patched)).toEqual(['attributes.vip']);

    const after = (await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json();
    expect(after).toMatchObject({ attributes: {}, version: 1 });
    expect(await listEvents(t, tenant, { type: 'attribute.set', userId: user.id })).toEqual([]);
  });

  it('an undefined attribute → 422 unless the tenant allows freeform attributes', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'free@example.com' });
    const rejected = await putAttribute(tenant, user.id, 'color', { value: 'red' });
    expect(rejected.statusCode).toBe(422);
    expect(errorsOf(rejected)).toEqual([{ field: 'attributes.color', code: 'ATTRIBUTE_NOT_DEFINED' }]);
    const onCreate = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'f2@example.com', attributes: { color: 'red' } },
    });
    expect(onCreate.statusCode).toBe(422);

    const admin = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}`,
      headers: adminAuth(),
      payload: { allowFreeformAttributes: true },
    });
    expect(admin.statusCode, admin.body).toBe(200);
    expect(admin.json().allowFreeformAttributes).toBe(true);

    const accepted = await putAttribute(tenant, user.id, 'color', { value: 'red' });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().attributes).toEqual({ color: 'red' });
    // Freeform values have no type: anything JSON goes.
    const anyValue = await patchAttributes(tenant, user.id, { color: { r: 255 }, size: 42 });
    expect(anyValue.json().attributes).toEqual({ color: { r: 255 }, size: 42 });
    // Names are still checked.
    const badName = await putAttribute(tenant, user.id, 'bad-name', { value: 1 });
    expect(badName.statusCode).toBe(422);
    expect(fieldsOf(badName)).toEqual(['attributes.bad-name']);

    await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tenant.id}`,
      headers: adminAuth(),
      payload: { allowFreeformAttributes: false },
    });
    const again = await putAttribute(tenant, user.id, 'shape', { value: 'round' });
    expect(again.statusCode).toBe(422);
    // Removing a value that is no longer allowed is still possible.
    const removal = await patchAttributes(tenant, user.id, { size: null });
    expect(removal.statusCode, removal.body).toBe(200);
    expect(removal.json().attributes).toEqual({ color: { r: 255 } });
  });
});

describe('unique attributes', () => {
  it('a value held by another user → 409 ATTRIBUTE_VALUE_TAKEN naming the holder; freed when the holder lets go', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'member', type: 'string', unique: true });
    const holder = await createUser(t, tenant, { email: 'holder@example.com', attributes: { member: 'M-1' } });
    const user = await createUser(t, tenant, { email: 'wants@example.com' });

    const taken = await putAttribute(tenant, user.id, 'member', { value: 'M-1' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'ATTRIBUTE_VALUE_TAKEN', field: 'attributes.member', existingId: holder.id });
    const onCreate = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'new@example.com', attributes: { member: 'M-1' } },
    });
    expect(onCreate.statusCode).toBe(409);
    expect(onCreate.json()).toMatchObject({ code: 'ATTRIBUTE_VALUE_TAKEN', existingId: holder.id });
    expect(
      (await t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenant.auth, query: { email: 'new@example.com' } })).statusCode,
    ).toBe(404);

    // The holder may set its own value again.
    expect((await putAttribute(tenant, holder.id, 'member', { value: 'M-1' })).statusCode).toBe(200);

    // Changing the holder's value frees the old one.
    expect((await putAttribute(tenant, holder.id, 'member', { value: 'M-2' })).statusCode).toBe(200);
    const moved = await putAttribute(tenant, user.id, 'member', { value: 'M-1' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await putAttribute(tenant, user.id, 'member', { value: 'M-2' })).statusCode).toBe(409);

    // Removing the value frees it.
    expect((await putAttribute(tenant, holder.id, 'member', { value: null })).statusCode).toBe(200);
    expect((await putAttribute(tenant, user.id, 'member', { value: 'M-2' })).statusCode).toBe(200);
  });

  it('clearing all attributes or erasing the holder frees its values', async () => {
    const tenant = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'badge', type: 'number', unique: true });
    const a = await createUser(t, tenant, { email: 'a@example.com', attributes: { badge: 1 } });
    const b = await createUser(t, tenant, { email: 'b@example.com', attributes: { badge: 2 } });
    const c = await createUser(t, tenant, { email: 'c@example.com' });

    const cleared = await t.call({ method: 'PATCH', url: `/v1/users/${a.id}`, headers: tenant.auth, payload: { attributes: null } });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().attributes).toEqual({});
    expect((await putAttribute(tenant, c.id, 'badge', { value: 1 })).statusCode).toBe(200);

    expect((await t.call({ method: 'DELETE', url: `/v1/users/${b.id}`, headers: tenant.auth })).statusCode).toBe(204);
    const reuse = await createUser(t, tenant, { email: 'd@example.com', attributes: { badge: 2 } });
    expect(reuse.attributes).toEqual({ badge: 2 });
  });

  it('unique values are per tenant', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    await defineAttribute(t, tenant, { name: 'member', type: 'string', unique: true });
    await defineAttribute(t, other, { name: 'member', type: 'string', unique: true });
    await createUser(t, tenant, { email: 'one@example.com', attributes: { member: 'X' } });
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: other.auth,
      payload: { email: 'two@example.com', attributes: { member: 'X' } },
    });
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe('tenant isolation', () => {
  it('another tenant cannot set or see a user’s attributes', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t, { allowFreeformAttributes: true });
    await defineAttribute(t, tenant, { name: 'tier', type: 'string' });
    await defineAttribute(t, other, { name: 'tier', type: 'string' });
    const user = await createUser(t, tenant, { email: 'iso-attr@example.com', attributes: { tier: 'gold' } });

    const put = await putAttribute(other, user.id, 'tier', { value: 'hacked' });
    expect(put.statusCode).toBe(404);
    expect(put.json().code).toBe('USER_NOT_FOUND');
    expect((await patchAttributes(other, user.id, { tier: 'hacked' })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).json()).toMatchObject({
      attributes: { tier: 'gold' },
      version: 1,
    });
    expect(await listEvents(t, other, { type: 'attribute.set' })).toEqual([]);
    expect(await listEvents(t, other, { type: 'attribute.defined' })).toHaveLength(1);
  });
});
