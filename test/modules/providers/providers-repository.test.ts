/** The providers repository sees only its tenant: another tenant's id finds nothing and changes nothing. */
import { describe, expect, it } from 'vitest';
import { randomIds } from '../../../src/core/ids.ts';
import { insertBrand } from '../../../src/modules/brands/brands.repository.ts';
import {
  deleteProvider,
  deleteUserIdentities,
  findEffectiveProvider,
  findIdentityBySubject,
  findProviderById,
  insertIdentityIfAbsent,
  insertProvider,
  listProviders,
  listUserIdentities,
  type ProviderValues,
  updateProvider,
} from '../../../src/modules/providers/providers.repository.ts';
import { DEFAULT_FIELD_MAPPING } from '../../../src/modules/providers/providers.ts';
import { insertUser } from '../../../src/modules/users/users.repository.ts';
import { withTwoTenants } from '../../helpers/two-tenants.ts';

const env = withTwoTenants();

function values(name: string, brandId: string | null = null): ProviderValues {
  return {
    name,
    brand_id: brandId,
    type: 'http',
    endpoint: 'https://idp.example.com',
    settings: { userByIdUrl: 'https://idp.example.com/users/{id}' },
    credentials: 'sealed',
    timeout_ms: 2000,
    cache_ttl_seconds: 0,
    field_mapping: DEFAULT_FIELD_MAPPING,
    jit_provisioning: false,
  };
}

describe('providers repository is tenant-scoped', () => {
  it("another tenant's id neither finds, lists, updates nor deletes a provider", async () => {
    const db = env.t.registry.db;
    const brand = await insertBrand(db, env.a.id, {
      id: randomIds.uuid(),
      slug: 'idp-brand',
      name: 'Idp',
      codes: {},
      createdAt: new Date(),
    });
    const tenantWide = await insertProvider(db, env.a.id, randomIds.uuid(), values('tenant-idp'), new Date(Date.now() - 1000));
    const ofBrand = await insertProvider(db, env.a.id, randomIds.uuid(), values('brand-idp', brand.id), new Date());
    expect((await findEffectiveProvider(db, env.a.id, brand.id))?.id).toBe(ofBrand.id);
    expect((await findEffectiveProvider(db, env.a.id, null))?.id).toBe(tenantWide.id);

    for (const provider of [tenantWide, ofBrand]) expect(await findProviderById(db, env.b.id, provider.id)).toBeUndefined();
    expect(await listProviders(db, env.b.id)).toEqual([]);
    expect(await findEffectiveProvider(db, env.b.id, null)).toBeUndefined();
    expect(await findEffectiveProvider(db, env.b.id, brand.id)).toBeUndefined();
    expect(
      await updateProvider(db, env.b.id, tenantWide.id, { ...values('stolen'), endpoint: 'https://evil.example' }, new Date()),
    ).toBeUndefined();
    expect(await deleteProvider(db, env.b.id, tenantWide.id)).toBeUndefined();
    // Tenant a's brand is not a brand of tenant b: no provider can be scoped to it there.
    await expect(insertProvider(db, env.b.id, randomIds.uuid(), values('borrowed', brand.id), new Date())).rejects.toThrow();

    expect((await listProviders(db, env.a.id)).map((p) => [p.name, p.endpoint])).toEqual([
      ['tenant-idp', 'https://idp.example.com'],
      ['brand-idp', 'https://idp.example.com'],
    ]);
    // The same name is free in another tenant.
    const twin = await insertProvider(db, env.b.id, randomIds.uuid(), values('tenant-idp'), new Date());
    expect((await findEffectiveProvider(db, env.b.id, null))?.id).toBe(twin.id);
    expect(await deleteProvider(db, env.a.id, tenantWide.id)).toMatchObject({ id: tenantWide.id });
  });

  it("another tenant's id neither finds, links nor forgets a user's identities", async () => {
    const db = env.t.registry.db;
    const provider = await insertProvider(db, env.a.id, randomIds.uuid(), values('identity-idp'), new Date());
    const user = await insertUser(db, env.a.id, {
      id: randomIds.uuid(),
      email: 'linked@example.com',
      links: {},
      consents: {},
      attributes: {},
      search_text: '',
      created_at: new Date(),
    });
    const identity = { provider_id: provider.id, subject: 'upstream-1', user_id: user.id, linked_at: new Date() };
    expect(await insertIdentityIfAbsent(db, env.a.id, identity)).toBe(true);

    expect(await listUserIdentities(db, env.b.id, user.id)).toEqual([]);
    expect(await findIdentityBySubject(db, env.b.id, provider.id, 'upstream-1')).toBeUndefined();
    await deleteUserIdentities(db, env.b.id, user.id);
    // Neither the provider nor the user exists in tenant env.b.
    await expect(insertIdentityIfAbsent(db, env.b.id, { ...identity, subject: 'upstream-2' })).rejects.toThrow();

    expect((await findIdentityBySubject(db, env.a.id, provider.id, 'upstream-1'))?.user_id).toBe(user.id);
    expect((await listUserIdentities(db, env.a.id, user.id)).map((i) => [i.subject, i.provider_name])).toEqual([
      ['upstream-1', 'identity-idp'],
    ]);
    await deleteUserIdentities(db, env.a.id, user.id);
    expect(await listUserIdentities(db, env.a.id, user.id)).toEqual([]);
  });
});
