import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import { type PlatformActor, platformContext } from '../../core/context.ts';
import { notFound, validationFailed } from '../../core/error-helpers.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import { secretMatches, sha256 } from '../../core/secrets.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { BrandsService } from '../brands/brands.service.ts';
import type { EventsService } from '../events/events.service.ts';
import {
  type ApiKeyForAuth,
  findApiKeyByPrefix,
  insertApiKeyIfPrefixFree,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
  updateApiKeyRateLimit,
} from './api-keys.repository.ts';
import type { ApiKeyRow } from './api-keys.table.ts';
import {
  type ApiKeyView,
  type AuthenticatedKey,
  looksLikeSecret,
  PREFIX_LENGTH,
  type RateLimitSetting,
  SCOPES,
  SECRET_LENGTH,
  sameRateLimit,
} from './api-keys.ts';

export interface ApiKeysService {
  /**
   * Creates a key; the secret is in this result only.
   * @throws AppError VALIDATION_FAILED for unknown scopes, BRAND_NOT_FOUND
   */
  createKey(
    tenantId: string,
    input: { name: string; brand?: string; scopes?: string[]; rateLimit?: RateLimitSetting | null },
    actor: PlatformActor,
  ): Promise<ApiKeyView & { secret: string }>;
  /**
   * Changes a key's settings: `rateLimit` is the key's own limit (null: its tenant's applies). Takes effect at
   * once in this process and within the key cache time in the others.
   * @throws AppError API_KEY_NOT_FOUND
   */
  updateKey(tenantId: string, keyId: string, input: { rateLimit?: RateLimitSetting | null }, actor: PlatformActor): Promise<ApiKeyView>;
  /** @throws AppError API_KEY_NOT_FOUND */
  revokeKey(tenantId: string, keyId: string, actor: PlatformActor): Promise<ApiKeyView>;
  listKeys(tenantId: string): Promise<ApiKeyView[]>;
  /** The key behind a presented secret, or null when it is unknown, revoked or malformed. */
  authenticate(secret: string): Promise<AuthenticatedKey | null>;
}

const TOUCH_INTERVAL_MS = 60_000;
/** Keys one process keeps in memory; the least recently used go first. */
const CACHE_ENTRIES = 10_000;

export function createApiKeysService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  brands: BrandsService;
  cacheSeconds: number;
  onBackgroundError?: (error: unknown) => void;
}): ApiKeysService {
  const { db, clock, ids, events, brands } = deps;
  // Keys are looked up on every request; a short cache keeps that off the database.
  const cache = new TtlCache<string, ApiKeyForAuth>({ clock, ttlMs: deps.cacheSeconds * 1000, maxEntries: CACHE_ENTRIES });
  // Keys whose last_used_at was written within TOUCH_INTERVAL_MS: present means "do not write again yet".
  const touched = new TtlCache<string, true>({ clock, ttlMs: TOUCH_INTERVAL_MS, maxEntries: CACHE_ENTRIES });

  function view(row: ApiKeyRow, brandSlug: string | null): ApiKeyView {
    return {
      id: row.id,
      tenantId: row.tenant_id,
      name: row.name,
      prefix: row.prefix,
      brand: brandSlug,
      scopes: row.scopes ?? [...SCOPES],
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at?.toISOString() ?? null,
      revokedAt: row.revoked_at?.toISOString() ?? null,
      rateLimit: row.rate_limit,
    };
  }

  /** The view of a key just changed, with its brand's slug; the key is dropped from this process's cache. */
  async function changedView(row: ApiKeyRow): Promise<ApiKeyView> {
    cache.delete(row.prefix);
    const brandSlug = (await listApiKeys(db, row.tenant_id)).find((k) => k.id === row.id)?.brand_slug ?? null;
    return view(row, brandSlug);
  }

  function keyNotFound(keyId: string): AppError {
    return notFound('API_KEY_NOT_FOUND', { keyId });
  }

  const KEY_ID = /^[0-9a-f-]{36}$/i;

  // Requests arriving together when an entry expires share one database read.
  const loading = new Map<string, Promise<ApiKeyForAuth | undefined>>();

  async function loadByPrefix(prefix: string): Promise<ApiKeyForAuth | undefined> {
    const hit = cache.get(prefix);
    if (hit) return hit;
    let pending = loading.get(prefix);
    if (!pending) {
      pending = findApiKeyByPrefix(db, prefix)
        .then((row) => {
          if (row) cache.set(prefix, row);
          return row;
        })
        .finally(() => loading.delete(prefix));
      loading.set(prefix, pending);
    }
    return pending;
  }

  function touch(row: ApiKeyRow): void {
    if (touched.has(row.id)) return;
    touched.set(row.id, true);
    touchApiKey(db, row.tenant_id, row.id, clock.now()).catch((error) => deps.onBackgroundError?.(error));
  }

  return {
    async createKey(tenantId, input, actor) {
      const name = input.name.trim();
      const errors: FieldError[] = [];
      if (name === '') errors.push({ field: 'name', code: 'required', message: 'must not be empty' });
      (input.scopes ?? []).forEach((scope, i) => {
        if (!(SCOPES as readonly string[]).includes(scope)) {
          errors.push({ field: `scopes[${i}]`, code: 'unknown_scope', message: `must be one of ${SCOPES.join(', ')}` });
        }
      });
      if (errors.length > 0) throw validationFailed(errors);
      const brand = input.brand ? await brands.requireBrand(tenantId, input.brand) : null;
      for (let attempt = 0; ; attempt++) {
        const secret = ids.alphanumeric(SECRET_LENGTH);
        const row: ApiKeyRow = {
          tenant_id: tenantId,
          id: ids.uuid(),
          name,
          brand_id: brand?.id ?? null,
          prefix: secret.slice(0, PREFIX_LENGTH),
          secret_hash: sha256(secret),
          scopes: input.scopes && input.scopes.length > 0 ? [...new Set(input.scopes)] : null,
          created_at: clock.now(),
          last_used_at: null,
          revoked_at: null,
          rate_limit: input.rateLimit ?? null,
        };
        const inserted = await inTransaction(db, async (trx) => {
          if (!(await insertApiKeyIfPrefixFree(trx, row))) return false;
          await events.record(trx, platformContext(tenantId, actor), {
            type: 'api_key.created',
            data: { keyId: row.id, name, prefix: row.prefix, brand: brand?.slug ?? null, scopes: row.scopes, rateLimit: row.rate_limit },
          });
          return true;
        });
        if (inserted) return { ...view(row, brand?.slug ?? null), secret };
        // A prefix collision (about 1 in 2^71) just draws another secret.
        if (attempt >= 3) throw new AppError('INTERNAL', 'Could not draw an unused API key prefix');
      }
    },

    async updateKey(tenantId, keyId, input, actor) {
      const before = (await listApiKeys(db, tenantId)).find((k) => k.id === keyId);
      if (!before) throw keyNotFound(keyId);
      if (input.rateLimit === undefined || sameRateLimit(input.rateLimit, before.rate_limit)) {
        return view(before, before.brand_slug);
      }
      const rateLimit = input.rateLimit;
      const row = await inTransaction(db, async (trx) => {
        const updated = await updateApiKeyRateLimit(trx, tenantId, keyId, rateLimit);
        if (!updated) throw keyNotFound(keyId);
        await events.record(trx, platformContext(tenantId, actor), {
          type: 'api_key.updated',
          data: { keyId, prefix: updated.prefix },
          changes: { rateLimit: { before: before.rate_limit, after: updated.rate_limit } },
        });
        return updated;
      });
      return changedView(row);
    },

    async revokeKey(tenantId, keyId, actor) {
      const row = await inTransaction(db, async (trx) => {
        const revoked = KEY_ID.test(keyId) ? await revokeApiKey(trx, tenantId, keyId, clock.now()) : undefined;
        if (!revoked) throw keyNotFound(keyId);
        await events.record(trx, platformContext(tenantId, actor), { type: 'api_key.revoked', data: { keyId, prefix: revoked.prefix } });
        return revoked;
      });
      return changedView(row);
    },

    async listKeys(tenantId) {
      return (await listApiKeys(db, tenantId)).map((row) => view(row, row.brand_slug));
    },

    async authenticate(secret) {
      if (!looksLikeSecret(secret)) return null;
      const row = await loadByPrefix(secret.slice(0, PREFIX_LENGTH));
      if (!row || row.revoked_at !== null || !secretMatches(secret, row.secret_hash)) return null;
      touch(row);
      return {
        keyId: row.id,
        tenantId: row.tenant_id,
        brand: row.brand_id && row.brand_slug ? { id: row.brand_id, slug: row.brand_slug } : null,
        scopes: row.scopes,
        rateLimit: row.rate_limit ?? row.tenant_rate_limit,
      };
    },
  };
}
