import { describe, expect, it } from 'vitest';
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
  updateUser,
} from '../../src/modules/users/users.repository.ts';
import { countUsers, listUsers } from '../../src/modules/users/users-search.repository.ts';
import { newUserRow, withTwoTenants } from '../helpers/two-tenants.ts';

const env = withTwoTenants();

const newUser = newUserRow;

describe('repositories are tenant-scoped', () => {
  it('users: every finder, update and erase sees only its tenant', async () => {
    const db = env.t.registry.db;
    const user = await insertUser(
      db,
      env.a.id,
      newUser({ email: 'repo@example.com', phone: '+14158672345', external_id: 'ext-1', search_text: 'repo' }),
    );
    expect(user.number).toBeGreaterThan(0);
    expect((await findUserById(db, env.a.id, user.id))?.email).toBe('repo@example.com');
    expect(await findUserById(db, env.b.id, user.id)).toBeUndefined();
    expect(await findUserByEmail(db, env.b.id, 'repo@example.com')).toBeUndefined();
    expect(await findUserByPhone(db, env.b.id, '+14158672345')).toBeUndefined();
    expect(await findUserByExternalId(db, env.b.id, 'ext-1')).toBeUndefined();
    expect(await findUsersByEmailOrPhone(db, env.b.id, 'repo@example.com', '+14158672345')).toEqual([]);
    expect(await listUsers(db, env.b.id, {}, null, 10)).toEqual([]);
    expect(await countUsers(db, env.b.id, { q: 'repo' })).toBe(0);
    expect(await countUsers(db, env.a.id, { q: 'repo' })).toBe(1);
    expect(await updateUser(db, env.b.id, user.id, { city: 'Elsewhere' }, new Date())).toBeUndefined();
    expect(await eraseUser(db, env.b.id, user.id, new Date())).toBe(false);
    expect((await findUserById(db, env.a.id, user.id))?.city).toBeNull();

    // The same identifiers are free in another tenant.
    const twin = await insertUserIfAbsent(
      db,
      env.b.id,
      newUser({ email: 'repo@example.com', phone: '+14158672345', external_id: 'ext-1' }),
    );
    expect(twin?.id).toBeDefined();
    expect(await insertUserIfAbsent(db, env.a.id, newUser({ email: 'repo@example.com' }))).toBeUndefined();
  });

  it('brands, memberships and unique attribute values see only their tenant', async () => {
    const db = env.t.registry.db;
    const brand = await insertBrand(db, env.a.id, {
      id: randomIds.uuid(),
      slug: 'repo-brand',
      name: 'Repo',
      codes: {},
      createdAt: new Date(),
    });
    expect((await findBrandBySlug(db, env.a.id, 'repo-brand'))?.id).toBe(brand.id);
    expect(await findBrandBySlug(db, env.b.id, 'repo-brand')).toBeUndefined();
    expect(await listBrands(db, env.b.id)).toEqual([]);

    const user = await insertUser(db, env.a.id, newUser({ email: 'member@example.com' }));
    expect(await insertMembership(db, env.a.id, user.id, brand.id, new Date())).toBe(true);
    expect(await insertMembership(db, env.a.id, user.id, brand.id, new Date())).toBe(false);
    expect((await findUserById(db, env.a.id, user.id))?.brands.map((m) => m.slug)).toEqual(['repo-brand']);
    expect(await listUsers(db, env.b.id, { brandId: brand.id }, null, 10)).toEqual([]);

    await replaceUniqueValues(db, env.a.id, user.id, [{ name: 'memberNo', value: '"42"' }]);
    expect(await findUniqueValueOwner(db, env.a.id, 'memberNo', '"42"')).toBe(user.id);
    expect(await findUniqueValueOwner(db, env.b.id, 'memberNo', '"42"')).toBeUndefined();
    expect(await listDefinitions(db, env.b.id)).toEqual([]);
  });

  it('events and keys see only their tenant', async () => {
    const db = env.t.registry.db;
    await insertEvents(db, env.a.id, [
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
    expect((await listEvents(db, env.a.id, { after: FEED_START, type: 'repo.test', limit: 10 })).length).toBe(1);
    expect(await listEvents(db, env.b.id, { after: FEED_START, type: 'repo.test', limit: 10 })).toEqual([]);

    const keysOfA = await listApiKeys(db, env.a.id);
    expect(keysOfA.length).toBe(1);
    expect((await listApiKeys(db, env.b.id)).map((k) => k.id)).not.toContain(keysOfA[0].id);
    expect((await findApiKeyByPrefix(db, env.a.key.slice(0, 12)))?.tenant_id).toBe(env.a.id);
  });
});
