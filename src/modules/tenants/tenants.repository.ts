import { type Kysely, sql } from 'kysely';
import { invalidField } from '../../core/errors.ts';
import { type RateLimitSetting, rateLimitJson } from '../../core/rate-limit-setting.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { SessionsPolicy, TenantCodes, TenantRow } from './tenants.table.ts';

export interface TenantValues {
  slug: string;
  name: string;
  hosts: string[];
  codes: TenantCodes;
  defaultCountry: string | null;
  currency: string | null;
  allowFreeformAttributes: boolean;
  sessionsLimit: number | null;
  sessionsPolicy: SessionsPolicy;
  rejectCommonPasswords: boolean;
  gravatarPictures: boolean;
  rateLimit: RateLimitSetting | null;
}

/** The per-tenant sequence that numbers users. */
export function userNumberSequence(tenantId: string): string {
  return `user_number_${tenantId.replaceAll('-', '')}`;
}

/** What a taken tenant slug or host means to the caller. */
const TENANT_UNIQUE: UniqueRules = {
  tenants_slug_key: () => invalidField('slug', 'is taken by another tenant', 'taken', 'TENANT_SLUG_TAKEN'),
  tenant_hosts_pkey: () => invalidField('hosts', 'a host is used by another tenant', 'taken', 'TENANT_HOST_TAKEN'),
};

/**
 * Inserts a tenant, its host index and its number sequence.
 * @throws AppError TENANT_SLUG_TAKEN, TENANT_HOST_TAKEN
 */
export async function insertTenant(db: Kysely<DB>, id: string, values: TenantValues, now: Date): Promise<TenantRow> {
  const row = await withUniqueRules(TENANT_UNIQUE, () =>
    db
      .insertInto('tenants')
      .values({
        id,
        slug: values.slug,
        name: values.name,
        hosts: values.hosts,
        codes: JSON.stringify(values.codes),
        default_country: values.defaultCountry,
        currency: values.currency,
        allow_freeform_attributes: values.allowFreeformAttributes,
        sessions_limit: values.sessionsLimit,
        sessions_policy: values.sessionsPolicy,
        reject_common_passwords: values.rejectCommonPasswords,
        gravatar_pictures: values.gravatarPictures,
        rate_limit: rateLimitJson(values.rateLimit),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  await replaceTenantHosts(db, id, values.hosts);
  await sql.raw(`CREATE SEQUENCE IF NOT EXISTS ${userNumberSequence(id)}`).execute(db);
  return row;
}

/**
 * Rewrites a tenant's host index (hosts are unique across tenants).
 * @throws AppError TENANT_HOST_TAKEN
 */
export async function replaceTenantHosts(db: Kysely<DB>, tenantId: string, hosts: string[]): Promise<void> {
  await db.deleteFrom('tenant_hosts').where('tenant_id', '=', tenantId).execute();
  if (hosts.length > 0) {
    await withUniqueRules(TENANT_UNIQUE, () =>
      db
        .insertInto('tenant_hosts')
        .values(hosts.map((host) => ({ host, tenant_id: tenantId })))
        .execute(),
    );
  }
}

/** @throws AppError TENANT_SLUG_TAKEN */
export async function updateTenant(db: Kysely<DB>, id: string, values: Partial<TenantValues>, now: Date): Promise<TenantRow | undefined> {
  return withUniqueRules(TENANT_UNIQUE, () =>
    db
      .updateTable('tenants')
      .set({
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.slug !== undefined ? { slug: values.slug } : {}),
        ...(values.hosts !== undefined ? { hosts: values.hosts } : {}),
        ...(values.codes !== undefined ? { codes: JSON.stringify(values.codes) } : {}),
        ...(values.defaultCountry !== undefined ? { default_country: values.defaultCountry } : {}),
        ...(values.currency !== undefined ? { currency: values.currency } : {}),
        ...(values.allowFreeformAttributes !== undefined ? { allow_freeform_attributes: values.allowFreeformAttributes } : {}),
        ...(values.sessionsLimit !== undefined ? { sessions_limit: values.sessionsLimit } : {}),
        ...(values.sessionsPolicy !== undefined ? { sessions_policy: values.sessionsPolicy } : {}),
        ...(values.rejectCommonPasswords !== undefined ? { reject_common_passwords: values.rejectCommonPasswords } : {}),
        ...(values.gravatarPictures !== undefined ? { gravatar_pictures: values.gravatarPictures } : {}),
        ...(values.rateLimit !== undefined ? { rate_limit: rateLimitJson(values.rateLimit) } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
}

export async function findTenantById(db: Kysely<DB>, id: string): Promise<TenantRow | undefined> {
  return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTenantBySlug(db: Kysely<DB>, slug: string): Promise<TenantRow | undefined> {
  return db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findTenantByHost(db: Kysely<DB>, host: string): Promise<TenantRow | undefined> {
  return db
    .selectFrom('tenant_hosts')
    .innerJoin('tenants', 'tenants.id', 'tenant_hosts.tenant_id')
    .selectAll('tenants')
    .where('tenant_hosts.host', '=', host)
    .executeTakeFirst();
}

/** Tenants ordered by creation, after a (created_at, id) cursor. */
export async function listTenants(db: Kysely<DB>, after: { createdAt: Date; id: string } | null, limit: number): Promise<TenantRow[]> {
  let query = db.selectFrom('tenants').selectAll();
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
    );
  }
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}

export async function getSetting(db: Kysely<DB>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('roster_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Stores a setting unless one exists; returns the stored value. */
export async function putSettingIfAbsent(db: Kysely<DB>, key: string, value: string): Promise<string> {
  await db
    .insertInto('roster_settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await getSetting(db, key)) ?? value;
}
