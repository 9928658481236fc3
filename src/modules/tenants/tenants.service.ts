import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import { type PlatformActor, platformContext } from '../../core/context.ts';
import { decodeTimeIdCursor, encodeCursor } from '../../core/cursor.ts';
import { notFound } from '../../core/error-helpers.ts';
import type { Ids } from '../../core/ids.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import {
  findTenantByHost,
  findTenantById,
  findTenantBySlug,
  insertTenant,
  listTenants,
  replaceTenantHosts,
  updateTenant,
} from './tenants.repository.ts';
import type { TenantRow } from './tenants.table.ts';
import { normalizeTenantInput, type TenantInput, type TenantView, toTenantView } from './tenants.ts';

export interface TenantsService {
  /** @throws AppError VALIDATION_FAILED, TENANT_SLUG_TAKEN, TENANT_HOST_TAKEN */
  createTenant(input: TenantInput & { slug: string; name: string }, actor: PlatformActor): Promise<TenantView>;
  /** @throws AppError TENANT_NOT_FOUND */
  getTenant(id: string): Promise<TenantView>;
  /** Finds a tenant by id or slug. @throws AppError TENANT_NOT_FOUND */
  resolveTenant(idOrSlug: string): Promise<TenantRow>;
  /** @throws AppError TENANT_NOT_FOUND, VALIDATION_FAILED, TENANT_SLUG_TAKEN, TENANT_HOST_TAKEN */
  patchTenant(id: string, input: TenantInput, actor: PlatformActor): Promise<TenantView>;
  /** @throws AppError INVALID_PARAMETER for a malformed cursor */
  listTenants(query: { cursor?: string; limit?: number }): Promise<{ data: TenantView[]; nextCursor: string | null }>;
  /** The tenant row for request-time use (country, currency, freeform flag), cached briefly. */
  getTenantRow(id: string): Promise<TenantRow | undefined>;
  /**
   * The tenant serving a host (`x-whitelabel-host`), matched trimmed and lower-cased; cached briefly like
   * getTenantRow. Undefined when no tenant lists the host. Never throws for a malformed host.
   */
  getTenantRowByHost(host: string): Promise<TenantRow | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How long a tenant row is served from memory, and how many are kept. */
const CACHE_MS = 5_000;
const CACHE_ENTRIES = 10_000;

export function createTenantsService(deps: { db: Kysely<DB>; clock: Clock; ids: Ids; events: EventsService }): TenantsService {
  const { db, clock, ids, events } = deps;
  // Tenant rows are read on most requests; changes made by this process drop them at once, others' within 5 s.
  const cache = new TtlCache<string, TenantRow>({ clock, ttlMs: CACHE_MS, maxEntries: CACHE_ENTRIES });
  // Only hits are cached, so unknown hosts sent by anyone cannot grow it.
  const hostCache = new TtlCache<string, TenantRow>({ clock, ttlMs: CACHE_MS, maxEntries: CACHE_ENTRIES });

  async function requireTenant(idOrSlug: string): Promise<TenantRow> {
    const row = UUID.test(idOrSlug) ? await findTenantById(db, idOrSlug) : await findTenantBySlug(db, idOrSlug);
    if (!row) throw notFound('TENANT_NOT_FOUND', { tenant: idOrSlug });
    return row;
  }

  return {
    async createTenant(input, actor) {
      const values = normalizeTenantInput(input);
      const id = ids.uuid();
      const now = clock.now();
      const row = await inTransaction(db, async (trx) => {
        const created = await insertTenant(
          trx,
          id,
          {
            slug: input.slug,
            name: values.name ?? input.name,
            hosts: values.hosts ?? [],
            codes: values.codes ?? {},
            defaultCountry: values.defaultCountry ?? null,
            currency: values.currency ?? null,
            allowFreeformAttributes: values.allowFreeformAttributes ?? false,
            sessionsLimit: values.sessionsLimit ?? null,
            sessionsPolicy: values.sessionsPolicy ?? 'evict_oldest',
            rejectCommonPasswords: values.rejectCommonPasswords ?? true,
            gravatarPictures: values.gravatarPictures ?? false,
            rateLimit: values.rateLimit ?? null,
          },
          now,
        );
        await events.record(trx, platformContext(id, actor), { type: 'tenant.created', data: { slug: created.slug } });
        return created;
      });
      return toTenantView(row);
    },

    async getTenant(id) {
      return toTenantView(await requireTenant(id));
    },

    resolveTenant: requireTenant,

    async patchTenant(idOrSlug, input, actor) {
      const before = await requireTenant(idOrSlug);
      const id = before.id;
      const values = normalizeTenantInput(input);
      const row = await inTransaction(db, async (trx) => {
        const updated = await updateTenant(trx, id, values, clock.now());
        if (!updated) throw notFound('TENANT_NOT_FOUND');
        if (values.hosts !== undefined) await replaceTenantHosts(trx, id, values.hosts);
        const changes: Record<string, { before: unknown; after: unknown }> = {};
        const beforeView = toTenantView(before) as unknown as Record<string, unknown>;
        const afterView = toTenantView(updated) as unknown as Record<string, unknown>;
        for (const key of Object.keys(input)) {
          if (JSON.stringify(beforeView[key]) !== JSON.stringify(afterView[key])) {
            changes[key] = { before: beforeView[key], after: afterView[key] };
          }
        }
        await events.record(trx, platformContext(id, actor), { type: 'tenant.updated', changes });
        return updated;
      });
      cache.delete(id);
      hostCache.clear();
      return toTenantView(row);
    },

    async listTenants(query) {
      const limit = query.limit ?? 50;
      let after: { createdAt: Date; id: string } | null = null;
      const position = decodeTimeIdCursor(query.cursor);
      if (position) after = { createdAt: position.at, id: position.id };
      const rows = await listTenants(db, after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map(toTenantView),
        nextCursor: rows.length > limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
      };
    },

    async getTenantRow(id) {
      const hit = cache.get(id);
      if (hit) return hit;
      const row = await findTenantById(db, id);
      if (row) cache.set(id, row);
      return row;
    },

    async getTenantRowByHost(raw) {
      const host = raw.trim().toLowerCase();
      // Hosts are stored as checked ASCII names; anything else (a NUL would fail the query) matches none.
      if (!/^[\x21-\x7e]{1,260}$/.test(host)) return undefined;
      const hit = hostCache.get(host);
      if (hit) return hit;
      const row = await findTenantByHost(db, host);
      if (row) hostCache.set(host, row);
      else hostCache.delete(host);
      return row;
    },
  };
}
