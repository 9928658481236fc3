import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import { type PlatformActor, platformContext } from '../../core/context.ts';
import { notFound } from '../../core/error-helpers.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { BrandsService } from '../brands/brands.service.ts';
import type { EventsService } from '../events/events.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { createProviderLookup, type ProviderLookup } from './provider-lookup.ts';
import {
  deleteProvider,
  findProviderById,
  insertProvider,
  listProviders,
  listUserIdentities,
  type ProviderValues,
  updateProvider,
} from './providers.repository.ts';
import type { ProviderRow } from './providers.table.ts';
import {
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_FIELD_MAPPING,
  DEFAULT_TIMEOUT_MS,
  type ProviderCredentials,
  type ProviderInput,
  type ProviderView,
  sealingContext,
  validateProvider,
} from './providers.ts';

export interface ProvidersDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  brands: BrandsService;
  users: UsersService;
  /** Seals provider credentials; null when no key is configured. */
  secretBox: SecretBox | null;
  allowPrivateUpstreams: boolean;
}

export interface ProvidersService extends ProviderLookup {
  /** @throws AppError SECRET_KEY_MISSING, VALIDATION_FAILED, BRAND_NOT_FOUND, PROVIDER_EXISTS */
  createProvider(tenantId: string, input: ProviderInput, actor: PlatformActor): Promise<ProviderView>;
  listProviders(tenantId: string): Promise<ProviderView[]>;
  /** @throws AppError PROVIDER_NOT_FOUND */
  getProvider(tenantId: string, ref: string): Promise<ProviderView>;
  /**
   * Changes some settings; credentials given replace the stored ones whole.
   * @throws AppError SECRET_KEY_MISSING, PROVIDER_NOT_FOUND, VALIDATION_FAILED, BRAND_NOT_FOUND, PROVIDER_EXISTS
   */
  updateProvider(tenantId: string, ref: string, input: ProviderInput, actor: PlatformActor): Promise<ProviderView>;
  /** Deletes the provider and its users' links. @throws AppError PROVIDER_NOT_FOUND */
  deleteProvider(tenantId: string, ref: string, actor: PlatformActor): Promise<void>;
  /** A user's links to upstream providers, oldest first (none for an unknown user). Throws nothing of its own. */
  listUserIdentities(tenantId: string, userId: string): Promise<UserIdentityView[]>;
}

/** A user's link to a provider's subject. */
export interface UserIdentityView {
  provider: string;
  type: string;
  subject: string;
  linkedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createProvidersService(deps: ProvidersDeps): ProvidersService {
  const { db, clock, ids, events, brands } = deps;
  const box = deps.secretBox;
  const policy = { allowPrivate: deps.allowPrivateUpstreams };

  function requireBox(): SecretBox {
    if (!box) {
      throw new AppError(
        'SECRET_KEY_MISSING',
        'Provider credentials are stored encrypted: set ROSTER_SECRET_KEY (32 bytes as base64 or hex, or a passphrase of 32+ characters)',
        { setting: 'ROSTER_SECRET_KEY' },
      );
    }
    return box;
  }

  const brandSlugs = async (tenantId: string) => new Map((await brands.listBrands(tenantId)).map((b) => [b.id, b.slug]));

  function toView(row: ProviderRow, slugs: Map<string, string>): ProviderView {
    return {
      id: row.id,
      tenantId: row.tenant_id,
      name: row.name,
      brand: row.brand_id ? (slugs.get(row.brand_id) ?? null) : null,
      type: row.type,
      endpoint: row.endpoint,
      settings: row.settings,
      timeoutMs: row.timeout_ms,
      cacheTtlSeconds: row.cache_ttl_seconds,
      fieldMapping: { ...DEFAULT_FIELD_MAPPING, ...row.field_mapping },
      jitProvisioning: row.jit_provisioning,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  async function requireProvider(tenantId: string, ref: string): Promise<ProviderRow> {
    const row = UUID.test(ref)
      ? await findProviderById(db, tenantId, ref)
      : (await listProviders(db, tenantId)).find((p) => p.name === ref);
    if (!row) throw notFound('PROVIDER_NOT_FOUND', { provider: ref });
    return row;
  }

  /** The complete values to store: input over the existing row (or defaults), validated, credentials sealed. */
  async function resolveValues(
    tenantId: string,
    id: string,
    input: ProviderInput,
    existing: { row: ProviderRow; credentials: ProviderCredentials } | null,
  ): Promise<ProviderValues> {
    const sealer = requireBox();
    const type = input.type ?? existing?.row.type;
    const name = input.name ?? existing?.row.name;
    const endpoint = input.endpoint?.trim() ?? existing?.row.endpoint;
    if (!type) throw invalidField('type', 'is required', 'required');
    if (!name) throw invalidField('name', 'is required', 'required');
    if (!endpoint) throw invalidField('endpoint', 'is required', 'required');
    if (existing && type !== existing.row.type && !input.credentials) {
      throw invalidField('credentials', 'must be given again when the type changes', 'required');
    }
    const credentials = input.credentials ?? existing?.credentials ?? {};
    const settings = input.settings ?? existing?.row.settings ?? {};
    validateProvider({ name, type, endpoint, settings, credentials }, policy);
    let brandId = existing?.row.brand_id ?? null;
    if (input.brand !== undefined) brandId = input.brand === null ? null : (await brands.requireBrand(tenantId, input.brand)).id;
    return {
      name,
      brand_id: brandId,
      type,
      endpoint,
      settings,
      credentials: sealer.seal(JSON.stringify(credentials), sealingContext(tenantId, id)),
      timeout_ms: input.timeoutMs ?? existing?.row.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      cache_ttl_seconds: input.cacheTtlSeconds ?? existing?.row.cache_ttl_seconds ?? DEFAULT_CACHE_TTL_SECONDS,
      field_mapping: { ...DEFAULT_FIELD_MAPPING, ...existing?.row.field_mapping, ...input.fieldMapping },
      jit_provisioning: input.jitProvisioning ?? existing?.row.jit_provisioning ?? false,
    };
  }

  const eventData = (row: ProviderRow) => ({ providerId: row.id, name: row.name, type: row.type, brandId: row.brand_id });

  return {
    ...createProviderLookup({ ...deps, box, policy }),

    async createProvider(tenantId, input, actor) {
      const id = ids.uuid();
      const values = await resolveValues(tenantId, id, input, null);
      const row = await inTransaction(db, async (trx) => {
        const created = await insertProvider(trx, tenantId, id, values, clock.now());
        await events.record(trx, platformContext(tenantId, actor), { type: 'provider.created', data: eventData(created) });
        return created;
      });
      return toView(row, await brandSlugs(tenantId));
    },

    async listProviders(tenantId) {
      const [rows, slugs] = await Promise.all([listProviders(db, tenantId), brandSlugs(tenantId)]);
      return rows.map((row) => toView(row, slugs));
    },

    async getProvider(tenantId, ref) {
      return toView(await requireProvider(tenantId, ref), await brandSlugs(tenantId));
    },

    async updateProvider(tenantId, ref, input, actor) {
      const row = await requireProvider(tenantId, ref);
      let credentials: ProviderCredentials = {};
      if (!input.credentials) {
        try {
          credentials = JSON.parse(requireBox().open(row.credentials, sealingContext(tenantId, row.id)));
        } catch (error) {
          if (error instanceof AppError) throw error;
          throw invalidField('credentials', 'the stored credentials cannot be read with this key: give them again', 'required');
        }
      }
      const values = await resolveValues(tenantId, row.id, input, { row, credentials });
      const updated = await inTransaction(db, async (trx) => {
        const result = await updateProvider(trx, tenantId, row.id, values, clock.now());
        if (!result) throw notFound('PROVIDER_NOT_FOUND', { provider: ref });
        await events.record(trx, platformContext(tenantId, actor), { type: 'provider.updated', data: eventData(result) });
        return result;
      });
      return toView(updated, await brandSlugs(tenantId));
    },

    async deleteProvider(tenantId, ref, actor) {
      const row = await requireProvider(tenantId, ref);
      await inTransaction(db, async (trx) => {
        if (!(await deleteProvider(trx, tenantId, row.id))) throw notFound('PROVIDER_NOT_FOUND');
        await events.record(trx, platformContext(tenantId, actor), { type: 'provider.deleted', data: eventData(row) });
      });
    },

    async listUserIdentities(tenantId, userId) {
      const rows = await listUserIdentities(db, tenantId, userId);
      return rows.map((i) => ({
        provider: i.provider_name,
        type: i.provider_type,
        subject: i.subject,
        linkedAt: i.linked_at.toISOString(),
      }));
    },
  };
}
