import { type Kysely, sql } from 'kysely';
import type { TimeIdPosition } from '../../core/cursor.ts';
import { AppError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import { afterTimeId, containsPattern } from '../../db/paging.ts';
import type { DB } from '../../db/schema.ts';
import type { CompanyRow } from './companies.table.ts';
import type { CompanyColumns } from './companies.ts';

export interface NewCompany {
  id: string;
  external_id: string | null;
  name: string;
  domain: string | null;
  attributes: Record<string, unknown>;
  created_at: Date;
}

function values(tenantId: string, company: NewCompany) {
  return { ...company, tenant_id: tenantId, attributes: JSON.stringify(company.attributes), updated_at: company.created_at };
}

/**
 * What a taken external id means to the caller; the service adds `existingId` (the holder) once the failed
 * transaction is over.
 */
const COMPANY_UNIQUE: UniqueRules = {
  companies_tenant_external_id_key: () =>
    new AppError('COMPANY_EXTERNAL_ID_TAKEN', 'externalId belongs to another company', { field: 'externalId', existingId: null }, [
      { field: 'externalId', code: 'taken', message: 'belongs to another company' },
    ]),
};

/**
 * Inserts a company.
 * @throws AppError COMPANY_EXTERNAL_ID_TAKEN
 */
export async function insertCompany(db: Kysely<DB>, tenantId: string, company: NewCompany): Promise<CompanyRow> {
  return withUniqueRules(COMPANY_UNIQUE, () =>
    db.insertInto('companies').values(values(tenantId, company)).returningAll().executeTakeFirstOrThrow(),
  );
}

/**
 * Inserts a company unless its external id is taken (undefined then). A concurrent insert of the same
 * external id makes this one wait for it to commit, so the caller can read that company right after.
 */
export async function insertCompanyIfAbsent(db: Kysely<DB>, tenantId: string, company: NewCompany): Promise<CompanyRow | undefined> {
  return db
    .insertInto('companies')
    .values(values(tenantId, company))
    .onConflict((oc) => oc.columns(['tenant_id', 'external_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The company with this id or, failing that, this external id (a caller's own id may look like a UUID too). */
export async function findCompanyByRef(db: Kysely<DB>, tenantId: string, ref: string): Promise<CompanyRow | undefined> {
  return db
    .selectFrom('companies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) => (isUuid(ref) ? eb.or([eb('id', '=', ref), eb('external_id', '=', ref)]) : eb('external_id', '=', ref)))
    .orderBy(isUuid(ref) ? sql`id = ${ref}` : sql`1`, 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findCompanyByExternalId(db: Kysely<DB>, tenantId: string, externalId: string): Promise<CompanyRow | undefined> {
  return db.selectFrom('companies').selectAll().where('tenant_id', '=', tenantId).where('external_id', '=', externalId).executeTakeFirst();
}

/** Locks the company row for the rest of the transaction. */
export async function findCompanyByIdForUpdate(db: Kysely<DB>, tenantId: string, id: string): Promise<CompanyRow | undefined> {
  return db.selectFrom('companies').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Writes changed columns and bumps the version; undefined when the company is gone.
 * @throws AppError COMPANY_EXTERNAL_ID_TAKEN
 */
export async function updateCompany(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  columns: CompanyColumns,
  now: Date,
): Promise<CompanyRow | undefined> {
  const { attributes, ...rest } = columns;
  return withUniqueRules(COMPANY_UNIQUE, () =>
    db
      .updateTable('companies')
      .set((eb) => ({
        ...rest,
        ...(attributes ? { attributes: JSON.stringify(attributes) } : {}),
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
}

/** Deletes a company with its memberships; returns how many members it had, or null when it was gone. */
export async function deleteCompany(db: Kysely<DB>, tenantId: string, id: string): Promise<number | null> {
  const members = await db.deleteFrom('company_members').where('tenant_id', '=', tenantId).where('company_id', '=', id).executeTakeFirst();
  const deleted = await db.deleteFrom('companies').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0 ? Number(members.numDeletedRows) : null;
}

export interface CompanyFilter {
  domain?: string;
  q?: string;
}

/** One page of a tenant's companies in (created_at, id) order, after the cursor position. */
export async function listCompanies(
  db: Kysely<DB>,
  tenantId: string,
  filter: CompanyFilter,
  after: TimeIdPosition | null,
  limit: number,
): Promise<CompanyRow[]> {
  let query = db.selectFrom('companies').selectAll().where('tenant_id', '=', tenantId);
  if (filter.domain) query = query.where('domain', '=', filter.domain);
  if (filter.q) {
    const pattern = containsPattern(filter.q);
    query = query.where((eb) =>
      eb.or([eb(eb.fn('lower', ['name']), 'like', pattern), eb(eb.fn('lower', ['external_id']), 'like', pattern)]),
    );
  }
  if (after) query = query.where(afterTimeId('created_at', 'id', after));
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}
