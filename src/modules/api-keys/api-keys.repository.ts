import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ApiKeyRow } from './api-keys.table.ts';
import { type RateLimitSetting, rateLimitJson } from './api-keys.ts';

export type ApiKeyWithBrand = ApiKeyRow & { brand_slug: string | null };
/** What authentication needs: the key, its brand and its tenant's rate limit. */
export type ApiKeyForAuth = ApiKeyWithBrand & { tenant_rate_limit: RateLimitSetting | null };

/** Inserts a key unless another key holds its public prefix; false then (the caller draws another secret). */
export async function insertApiKeyIfPrefixFree(db: Kysely<DB>, row: ApiKeyRow): Promise<boolean> {
  const inserted = await db
    .insertInto('api_keys')
    .values({ ...row, rate_limit: rateLimitJson(row.rate_limit) })
    .onConflict((oc) => oc.column('prefix').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The key with this public prefix, across tenants (the prefix is globally unique). */
export async function findApiKeyByPrefix(db: Kysely<DB>, prefix: string): Promise<ApiKeyForAuth | undefined> {
  return db
    .selectFrom('api_keys')
    .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
    .leftJoin('brands', (join) => join.onRef('brands.tenant_id', '=', 'api_keys.tenant_id').onRef('brands.id', '=', 'api_keys.brand_id'))
    .selectAll('api_keys')
    .select(['brands.slug as brand_slug', 'tenants.rate_limit as tenant_rate_limit'])
    .where('api_keys.prefix', '=', prefix)
    .executeTakeFirst();
}

export async function listApiKeys(db: Kysely<DB>, tenantId: string): Promise<ApiKeyWithBrand[]> {
  return db
    .selectFrom('api_keys')
    .leftJoin('brands', (join) => join.onRef('brands.tenant_id', '=', 'api_keys.tenant_id').onRef('brands.id', '=', 'api_keys.brand_id'))
    .selectAll('api_keys')
    .select('brands.slug as brand_slug')
    .where('api_keys.tenant_id', '=', tenantId)
    .orderBy('api_keys.created_at')
    .execute();
}

/** Marks a key revoked; returns it, or undefined when the tenant has no such key. */
export async function revokeApiKey(db: Kysely<DB>, tenantId: string, id: string, now: Date): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Sets a key's own rate limit (null: its tenant's applies); returns it, or undefined when the tenant has no such key. */
export async function updateApiKeyRateLimit(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  rateLimit: RateLimitSetting | null,
): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ rate_limit: rateLimitJson(rateLimit) })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function touchApiKey(db: Kysely<DB>, tenantId: string, id: string, now: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}
