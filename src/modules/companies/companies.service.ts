import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { decodeTimeIdCursor, timeIdPage } from '../../core/cursor.ts';
import { AppError } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import {
  deleteCompany,
  findCompanyByExternalId,
  findCompanyByIdForUpdate,
  findCompanyByRef,
  insertCompany,
  listCompanies,
  updateCompany,
} from './companies.repository.ts';
import type { CompanyRow } from './companies.table.ts';
import { type CompanyInput, type CompanyView, companyNotFound, planCompanyWrite, toCompanyView } from './companies.ts';

export interface CompaniesDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
}

export interface CompanyPage {
  data: CompanyView[];
  nextCursor: string | null;
}

export interface CompaniesService {
  /** @throws AppError VALIDATION_FAILED, COMPANY_EXTERNAL_ID_TAKEN */
  createCompany(ctx: ActorContext, input: CompanyInput & { name: string }): Promise<CompanyView>;
  /** By id or external id. @throws AppError COMPANY_NOT_FOUND */
  getCompany(ctx: ActorContext, ref: string): Promise<CompanyView>;
  /** @throws AppError INVALID_PARAMETER for a malformed cursor */
  listCompanies(ctx: ActorContext, query: { domain?: string; q?: string; cursor?: string; limit?: number }): Promise<CompanyPage>;
  /**
   * JSON merge patch (attributes merge key by key); with expectedVersion, fails when the company has moved on.
   * @throws AppError COMPANY_NOT_FOUND, PRECONDITION_FAILED, VALIDATION_FAILED, COMPANY_EXTERNAL_ID_TAKEN
   */
  patchCompany(ctx: ActorContext, ref: string, input: CompanyInput, expectedVersion?: number): Promise<CompanyView>;
  /** Deletes the company and its memberships. @throws AppError COMPANY_NOT_FOUND */
  deleteCompany(ctx: ActorContext, ref: string): Promise<void>;
}

/**
 * Adds the holder (`existingId`) to the COMPANY_EXTERNAL_ID_TAKEN the repository raised; other errors come back
 * unchanged. Runs outside the failed transaction.
 */
export async function toCompanyConflict(db: Kysely<DB>, tenantId: string, externalId: string | null | undefined, error: unknown) {
  if (!(error instanceof AppError) || error.code !== 'COMPANY_EXTERNAL_ID_TAKEN' || !externalId) return error;
  error.details.existingId = (await findCompanyByExternalId(db, tenantId, externalId))?.id ?? null;
  return error;
}

export function createCompaniesService(deps: CompaniesDeps): CompaniesService {
  const { db, clock, ids, events } = deps;

  async function requireCompany(ctx: ActorContext, ref: string): Promise<CompanyRow> {
    const row = await findCompanyByRef(db, ctx.tenantId, ref);
    if (!row) throw companyNotFound(ref);
    return row;
  }

  return {
    async createCompany(ctx, input) {
      const { columns, changes } = planCompanyWrite(input, null);
      try {
        const row = await inTransaction(db, async (trx) => {
          const company = await insertCompany(trx, ctx.tenantId, {
            id: ids.uuid(),
            external_id: columns.external_id ?? null,
            name: columns.name ?? '',
            domain: columns.domain ?? null,
            attributes: columns.attributes ?? {},
            created_at: clock.now(),
          });
          await events.record(trx, ctx, { type: 'company.created', changes, data: { companyId: company.id } });
          return company;
        });
        return toCompanyView(row);
      } catch (error) {
        throw await toCompanyConflict(db, ctx.tenantId, columns.external_id, error);
      }
    },

    async getCompany(ctx, ref) {
      return toCompanyView(await requireCompany(ctx, ref));
    },

    async listCompanies(ctx, query) {
      const limit = query.limit ?? 50;
      const after = decodeTimeIdCursor(query.cursor);
      const filter = { domain: query.domain?.trim().toLowerCase() || undefined, q: query.q?.trim() || undefined };
      const rows = await listCompanies(db, ctx.tenantId, filter, after, limit + 1);
      const { page, nextCursor } = timeIdPage(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
      return { data: page.map(toCompanyView), nextCursor };
    },

    async patchCompany(ctx, ref, input, expectedVersion) {
      const found = await requireCompany(ctx, ref);
      try {
        const row = await inTransaction(db, async (trx) => {
          const existing = await findCompanyByIdForUpdate(trx, ctx.tenantId, found.id);
          if (!existing) throw companyNotFound(ref);
          if (expectedVersion !== undefined && existing.version !== expectedVersion) {
            throw new AppError('PRECONDITION_FAILED', 'The company has changed since that version', { currentVersion: existing.version });
          }
          const { columns, changes } = planCompanyWrite(input, existing);
          if (Object.keys(changes).length === 0) return existing;
          const updated = await updateCompany(trx, ctx.tenantId, existing.id, columns, clock.now());
          if (!updated) throw companyNotFound(ref);
          await events.record(trx, ctx, { type: 'company.updated', changes, data: { companyId: existing.id } });
          return updated;
        });
        return toCompanyView(row);
      } catch (error) {
        throw await toCompanyConflict(db, ctx.tenantId, input.externalId?.trim(), error);
      }
    },

    async deleteCompany(ctx, ref) {
      const found = await requireCompany(ctx, ref);
      await inTransaction(db, async (trx) => {
        const members = await deleteCompany(trx, ctx.tenantId, found.id);
        if (members === null) throw companyNotFound(ref);
        await events.record(trx, ctx, {
          type: 'company.deleted',
          data: { companyId: found.id, externalId: found.external_id, name: found.name, membersRemoved: members },
        });
      });
    },
  };
}
