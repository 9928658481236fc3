import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds } from '../../src/core/ids.ts';
import { findApiKeyByPrefix, listApiKeys } from '../../src/modules/api-keys/api-keys.repository.ts';
import { findUniqueValueOwner, listDefinitions, replaceUniqueValues } from '../../src/modules/attributes/attributes.repository.ts';
import { findBrandBySlug, insertBrand, insertMembership, listBrands } from '../../src/modules/brands/brands.repository.ts';
import { insertEvents, listEvents } from '../../src/modules/events/events.repository.ts';
import { FEED_START } from '../../src/modules/events/feed-position.ts';
import {
  eraseUser,
  findUserByEmail,
  findUserByExternalId,
  findUserById,
  findUserByPhone,
  findUsersByEmailOrPhone,
  insertUser,
  insertUserIfAbsent,
  type NewUser,
  updateUser,
} from '../../src/modules/users/users.repository.ts';
import { countUsers, listUsers } from '../../src/modules/users/users-search.repository.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  a = await createTenant(t);
  b = await createTenant(t);
});
afterAll(() => t.close());

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return { id: randomIds.uuid(), links: {}, consents: {}, attributes: {}, search_text: '', created_at: new Date(), ...overrides };
}

describe('repositories are tenant-scoped', () => {
  it('users: every finder, update and erase sees only its tenant', async () => {
    const db = t.registry.db;
    const user = await insertUser(
      db,
      a.id,
      newUser({ email: 'repo@example.com', phone: '+14158672345', external_id: 'ext-1', search_text: 'repo' }),
    );
    expect(user.number).toBeGreaterThan(0);
    expect((await findUserById(db, a.id, user.id))?.email).toBe('repo@example.com');
    expect(await findUserById(db, b.id, user.id)).toBeUndefined();
    expect(await findUserByEmail(db, b.id, 'repo@example.com')).toBeUndefined();
    expect(await findUserByPhone(db, b.id, '+14158672345')).toBeUndefined();
    expect(await findUserByExternalId(db, b.id, 'ext-1')).toBeUndefined();
    expect(await findUsersByEmailOrPhone(db, b.id, 'repo@example.com', '+14158672345')).toEqual([]);
    expect(await listUsers(db, b.id, {}, null, 10)).toEqual([]);
    expect(await countUsers(db, b.id, { q: 'repo' })).toBe(0);
    expect(await countUsers(db, a.id, { q: 'repo' })).toBe(1);
    expect(await updateUser(db, b.id, user.id, { city: 'Elsewhere' }, new Date())).toBeUndefined();
    expect(await eraseUser(db, b.id, user.id, new Date())).toBe(false);
    expect((await findUserById(db, a.id, user.id))?.city).toBeNull();

    // The same identifiers are free in another tenant.
    const twin = await insertUserIfAbsent(db, b.id, newUser({ email: 'repo@example.com', phone: '+14158672345', external_id: 'ext-1' }));
    expect(twin?.id).toBeDefined();
    expect(await insertUserIfAbsent(db, a.id, newUser({ email: 'repo@example.com' }))).toBeUndefined();
  });

  it('brands, memberships and unique attribute values see only their tenant', async () => {
    const db = t.registry.db;
    const brand = await insertBrand(db, a.id, { id: randomIds.uuid(), slug: 'repo-brand', name: 'Repo', codes: {}, createdAt: new Date() });
    expect((await findBrandBySlug(db, a.id, 'repo-brand'))?.id).toBe(brand.id);
    expect(await findBrandBySlug(db, b.id, 'repo-brand')).toBeUndefined();
    expect(await listBrands(db, b.id)).toEqual([]);

    const user = await insertUser(db, a.id, newUser({ email: 'member@example.com' }));
    expect(await insertMembership(db, a.id, user.id, brand.id, new Date())).toBe(true);
    expect(await insertMembership(db, a.id, user.id, brand.id, new Date())).toBe(false);
    expect((await findUserById(db, a.id, user.id))?.brands.map((m) => m.slug)).toEqual(['repo-brand']);
    expect(await listUsers(db, b.id, { brandId: brand.id }, null, 10)).toEqual([]);

    await replaceUniqueValues(db, a.id, user.id, [{ name: 'memberNo', value: '"42"' }]);
    expect(await findUniqueValueOwner(db, a.id, 'memberNo', '"42"')).toBe(user.id);
    expect(await findUniqueValueOwner(db, b.id, 'memberNo', '"42"')).toBeUndefined();
    expect(await listDefinitions(db, b.id)).toEqual([]);
  });

  it('events and keys see only their tenant', async () => {
    const db = t.registry.db;
    await insertEvents(db, a.id, [
      {
        id: randomIds.uuid(),
        type: 'repo.test',
        userId: null,
        actor: 'test',
        source: null,
        requestId: null,
        changes: null,
        data: { n: 1 },
        createdAt: new Date(),
      },
    ]);
    expect((await listEvents(db, a.id, { after: FEED_START, type: 'repo.test', limit: 10 })).length).toBe(1);
    expect(await listEvents(db, b.id, { after: FEED_START, type: 'repo.test', limit: 10 })).toEqual([]);

    const keysOfA = await listApiKeys(db, a.id);
    expect(keysOfA.length).toBe(1);
    expect((await listApiKeys(db, b.id)).map((k) => k.id)).not.toContain(keysOfA[0].id);
    expect((await findApiKeyByPrefix(db, a.key.slice(0, 12)))?.tenant_id).toBe(a.id);
  });
});
