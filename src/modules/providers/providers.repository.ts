import type { Kysely } from 'kysely';
import { invalidField } from '../../core/errors.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { IdentityRow, ProviderRow } from './providers.table.ts';
import type { FieldMapping, ProviderSettings, ProviderType } from './providers.ts';

export interface ProviderValues {
  name: string;
  brand_id: string | null;
  type: ProviderType;
  endpoint: string;
  settings: ProviderSettings;
  credentials: string;
  timeout_ms: number;
  cache_ttl_seconds: number;
  field_mapping: FieldMapping;
  jit_provisioning: boolean;
}

function columns(values: ProviderValues) {
  return { ...values, settings: JSON.stringify(values.settings), field_mapping: JSON.stringify(values.field_mapping) };
}

/** What a taken provider name or scope (one provider per tenant or brand) means to the caller. */
const PROVIDER_UNIQUE: UniqueRules = {
  identity_providers_tenant_name_key: () => invalidField('name', 'is taken by another provider of the tenant', 'taken', 'PROVIDER_EXISTS'),
  identity_providers_tenant_scope_key: () =>
    invalidField('brand', 'this tenant (or brand) already has a provider', 'taken', 'PROVIDER_EXISTS'),
};

/**
 * Inserts a provider.
 * @throws AppError PROVIDER_EXISTS for a taken name or scope
 */
export async function insertProvider(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  values: ProviderValues,
  now: Date,
): Promise<ProviderRow> {
  return withUniqueRules(PROVIDER_UNIQUE, () =>
    db
      .insertInto('identity_providers')
      .values({ tenant_id: tenantId, id, ...columns(values), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

/**
 * Replaces a provider's configuration. Undefined when it does not exist.
 * @throws AppError PROVIDER_EXISTS for a taken name or scope
 */
export async function updateProvider(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  values: ProviderValues,
  now: Date,
): Promise<ProviderRow | undefined> {
  return withUniqueRules(PROVIDER_UNIQUE, () =>
    db
      .updateTable('identity_providers')
      .set({ ...columns(values), updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
}

export async function findProviderById(db: Kysely<DB>, tenantId: string, id: string): Promise<ProviderRow | undefined> {
  return db.selectFrom('identity_providers').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listProviders(db: Kysely<DB>, tenantId: string): Promise<ProviderRow[]> {
  return db.selectFrom('identity_providers').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
}

/** The provider serving a brand: the brand's own, else the tenant's (brand null: the tenant's only). */
export async function findEffectiveProvider(db: Kysely<DB>, tenantId: string, brandId: string | null): Promise<ProviderRow | undefined> {
  return (
    db
      .selectFrom('identity_providers')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => (brandId ? eb.or([eb('brand_id', '=', brandId), eb('brand_id', 'is', null)]) : eb('brand_id', 'is', null)))
      // Rows with a brand first: NULLS LAST is PostgreSQL's default for ASC.
      .orderBy('brand_id')
      .limit(1)
      .executeTakeFirst()
  );
}

export async function deleteProvider(db: Kysely<DB>, tenantId: string, id: string): Promise<ProviderRow | undefined> {
  return db.deleteFrom('identity_providers').where('tenant_id', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst();
}

export interface IdentityWithProvider extends IdentityRow {
  provider_name: string;
  provider_type: ProviderType;
}

/** A user's links to upstream providers. */
export async function listUserIdentities(db: Kysely<DB>, tenantId: string, userId: string): Promise<IdentityWithProvider[]> {
  return db
    .selectFrom('user_identities as i')
    .innerJoin('identity_providers as p', (join) => join.onRef('p.tenant_id', '=', 'i.tenant_id').onRef('p.id', '=', 'i.provider_id'))
    .selectAll('i')
    .select(['p.name as provider_name', 'p.type as provider_type'])
    .where('i.tenant_id', '=', tenantId)
    .where('i.user_id', '=', userId)
    .orderBy('i.linked_at')
    .execute();
}

/** The local user linked to a provider's subject. */
export async function findIdentityBySubject(
  db: Kysely<DB>,
  tenantId: string,
  providerId: string,
  subject: string,
): Promise<IdentityRow | undefined> {
  return db
    .selectFrom('user_identities')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('provider_id', '=', providerId)
    .where('subject', '=', subject)
    .executeTakeFirst();
}

/**
 * Links a subject to a user unless the subject or the user is already linked for this provider.
 * @returns true when this call made the link (concurrent callers: exactly one gets true).
 */
export async function insertIdentityIfAbsent(db: Kysely<DB>, tenantId: string, identity: Omit<IdentityRow, 'tenant_id'>): Promise<boolean> {
  const row = await db
    .insertInto('user_identities')
    .values({ tenant_id: tenantId, ...identity })
    .onConflict((oc) => oc.doNothing())
    .returning('subject')
    .executeTakeFirst();
  return row !== undefined;
}

/** Forgets a user's links (erasure). */
export async function deleteUserIdentities(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('user_identities').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}
