import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import { type PlatformActor, platformContext } from '../../core/context.ts';
import { notFound } from '../../core/error-helpers.ts';
import { invalidField } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import type { TenantCodes } from '../tenants/tenants.table.ts';
import { isSlug } from '../tenants/tenants.ts';
import { findBrandBySlug, insertBrand, listBrands } from './brands.repository.ts';
import type { BrandRow } from './brands.table.ts';

export interface BrandView {
  id: string;
  tenantId: string;
  slug: string;
  name: string;
  codes: TenantCodes;
  createdAt: string;
}

export interface BrandsService {
  /** @throws AppError VALIDATION_FAILED, BRAND_SLUG_TAKEN */
  createBrand(tenantId: string, input: { slug: string; name: string; codes?: TenantCodes }, actor: PlatformActor): Promise<BrandView>;
  listBrands(tenantId: string): Promise<BrandView[]>;
  /** @throws AppError BRAND_NOT_FOUND */
  requireBrand(tenantId: string, slug: string): Promise<BrandRow>;
}

export function toBrandView(row: BrandRow): BrandView {
  return { id: row.id, tenantId: row.tenant_id, slug: row.slug, name: row.name, codes: row.codes, createdAt: row.created_at.toISOString() };
}

export function createBrandsService(deps: { db: Kysely<DB>; clock: Clock; ids: Ids; events: EventsService }): BrandsService {
  const { db, clock, ids, events } = deps;
  return {
    async createBrand(tenantId, input, actor) {
      if (!isSlug(input.slug)) throw invalidField('slug', 'must be lower-case letters, digits and inner hyphens', 'invalid_slug');
      if (input.name.trim() === '') throw invalidField('name', 'must not be empty', 'required');
      const row = await inTransaction(db, async (trx) => {
        const brand = await insertBrand(trx, tenantId, {
          id: ids.uuid(),
          slug: input.slug,
          name: input.name.trim(),
          codes: input.codes ?? {},
          createdAt: clock.now(),
        });
        await events.record(trx, platformContext(tenantId, actor), {
          type: 'tenant.brand_created',
          data: { brandId: brand.id, slug: brand.slug },
        });
        return brand;
      });
      return toBrandView(row);
    },
    async listBrands(tenantId) {
      return (await listBrands(db, tenantId)).map(toBrandView);
    },
    async requireBrand(tenantId, slug) {
      const row = await findBrandBySlug(db, tenantId, slug);
      if (!row) throw notFound('BRAND_NOT_FOUND', { brand: slug }, { message: `Brand ${slug} not found` });
      return row;
    },
  };
}
