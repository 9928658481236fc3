import type { Kysely } from 'kysely';
import { invalidField } from '../../core/errors.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { TenantCodes } from '../tenants/tenants.table.ts';
import type { BrandRow } from './brands.table.ts';

const BRAND_UNIQUE: UniqueRules = {
  brands_tenant_slug_key: () => invalidField('slug', 'is taken by another brand', 'taken', 'BRAND_SLUG_TAKEN'),
};

/**
 * Inserts a brand.
 * @throws AppError BRAND_SLUG_TAKEN
 */
export async function insertBrand(
  db: Kysely<DB>,
  tenantId: string,
  values: { id: string; slug: string; name: string; codes: TenantCodes; createdAt: Date },
): Promise<BrandRow> {
  return withUniqueRules(BRAND_UNIQUE, () =>
    db
      .insertInto('brands')
      .values({
        tenant_id: tenantId,
        id: values.id,
        slug: values.slug,
        name: values.name,
        codes: JSON.stringify(values.codes),
        created_at: values.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function findBrandBySlug(db: Kysely<DB>, tenantId: string, slug: string): Promise<BrandRow | undefined> {
  return db.selectFrom('brands').selectAll().where('tenant_id', '=', tenantId).where('slug', '=', slug).executeTakeFirst();
}

export async function findBrandById(db: Kysely<DB>, tenantId: string, id: string): Promise<BrandRow | undefined> {
  return db.selectFrom('brands').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listBrands(db: Kysely<DB>, tenantId: string): Promise<BrandRow[]> {
  return db.selectFrom('brands').selectAll().where('tenant_id', '=', tenantId).orderBy('slug').execute();
}

/** Adds a membership; returns false when the user already belonged to the brand. */
export async function insertMembership(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
  brandId: string,
  joinedAt: Date,
): Promise<boolean> {
  const result = await db
    .insertInto('user_brands')
    .values({ tenant_id: tenantId, user_id: userId, brand_id: brandId, joined_at: joinedAt })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'brand_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes a membership; returns false when there was none. */
export async function deleteMembership(db: Kysely<DB>, tenantId: string, userId: string, brandId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('user_brands')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('brand_id', '=', brandId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteUserMemberships(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('user_brands').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}
