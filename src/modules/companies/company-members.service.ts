import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { ActorContext } from '../../core/context.ts';
import { decodeTimeIdCursor, timeIdPage } from '../../core/cursor.ts';
import { notFound } from '../../core/error-helpers.ts';
import { AppError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findUserById, lockLiveUser } from '../users/users.repository.ts';
import { toUserView, type UserView } from '../users/users.ts';
import { findCompanyByExternalId, findCompanyByRef, insertCompanyIfAbsent } from './companies.repository.ts';
import type { MembershipInputSchema } from './companies.schemas.ts';
import type { CompaniesDeps } from './companies.service.ts';
import {
  companyNotFound,
  type MembershipInput,
  type MembershipView,
  normalizeMembershipInput,
  planCompanyWrite,
  toMembershipView,
} from './companies.ts';
import {
  deleteMember,
  findMemberForUpdate,
  insertMemberIfAbsent,
  listCompanyMembers,
  listUserMemberships,
  updateMember,
} from './company-members.repository.ts';

/**
 * Role and title, and `createCompany` (create the company, with the path reference as its external id, when the
 * tenant has none) with `company` (name, domain and attributes of a company this call creates).
 */
export type UpsertMembershipInput = Static<typeof MembershipInputSchema>;

export interface MembershipResult {
  /** A new membership (false: an existing one, updated or unchanged). */
  created: boolean;
  companyCreated: boolean;
  membership: MembershipView;
}

/** A membership checked and ready to write inside a user change's transaction. */
export interface PreparedMembership {
  ref: string;
  member: MembershipInput;
  /** The company to create when the tenant has none by `ref`; null: it must exist. */
  planned: ReturnType<typeof planCompanyWrite> | null;
}

export interface CompanyMemberView {
  userId: string;
  user: UserView;
  role: string | null;
  title: string | null;
  joinedAt: string;
  updatedAt: string;
}

export interface CompanyMembersService {
  /**
   * Makes the user a member of the company (by id or external id), or updates the membership's role and title
   * (absent fields are left alone, null clears one). Race-safe: parallel calls agree on one membership and,
   * with createCompany, on one company.
   * @throws AppError USER_NOT_FOUND, COMPANY_NOT_FOUND, VALIDATION_FAILED
   */
  upsertMembership(ctx: ActorContext, userId: string, companyRef: string, input: UpsertMembershipInput): Promise<MembershipResult>;
  /** Checks a membership (and the company it may create) before any write. @throws AppError VALIDATION_FAILED */
  prepareMembership(companyRef: string, input: UpsertMembershipInput): PreparedMembership;
  /**
   * Writes a prepared membership with its events inside the caller's transaction, which holds the user.
   * @throws AppError COMPANY_NOT_FOUND, UNAVAILABLE (the company or membership vanished meanwhile)
   */
  writeMembership(trx: Kysely<DB>, ctx: ActorContext, userId: string, prepared: PreparedMembership): Promise<MembershipResult>;
  /** Idempotent. @throws AppError USER_NOT_FOUND, COMPANY_NOT_FOUND */
  removeMembership(ctx: ActorContext, userId: string, companyRef: string): Promise<void>;
  /** @throws AppError USER_NOT_FOUND */
  listUserMemberships(ctx: ActorContext, userId: string): Promise<MembershipView[]>;
  /** @throws AppError COMPANY_NOT_FOUND, INVALID_PARAMETER for a malformed cursor */
  listMembers(
    ctx: ActorContext,
    companyRef: string,
    query: { cursor?: string; limit?: number },
  ): Promise<{ data: CompanyMemberView[]; nextCursor: string | null }>;
}

function userNotFound(id: string): AppError {
  return notFound('USER_NOT_FOUND', { id });
}

export function createCompanyMembersService(deps: CompaniesDeps): CompanyMembersService {
  const { db, clock, ids, events } = deps;

  function prepareMembership(companyRef: string, input: UpsertMembershipInput): PreparedMembership {
    const member = normalizeMembershipInput(input);
    const ref = companyRef.trim();
    // Validated before the transaction, so a bad company body is a 422 whether or not the company exists.
    const planned = input.createCompany
      ? planCompanyWrite({ ...input.company, name: input.company?.name ?? ref, externalId: ref }, null)
      : null;
    return { ref, member, planned };
  }

  async function writeMembership(
    trx: Kysely<DB>,
    ctx: ActorContext,
    userId: string,
    prepared: PreparedMembership,
  ): Promise<MembershipResult> {
    const { ref, member, planned } = prepared;
    const now = clock.now();
    let company = await findCompanyByRef(trx, ctx.tenantId, ref);
    let companyCreated = false;
    if (!company) {
      if (!planned) throw companyNotFound(ref);
      const { columns, changes } = planned;
      company = await insertCompanyIfAbsent(trx, ctx.tenantId, {
        id: ids.uuid(),
        external_id: ref,
        name: columns.name ?? ref,
        domain: columns.domain ?? null,
        attributes: columns.attributes ?? {},
        created_at: now,
      });
      if (company) {
        companyCreated = true;
        await events.record(trx, ctx, { type: 'company.created', changes, data: { companyId: company.id } });
      } else {
        // A concurrent call created it first (our insert waited for its commit): join that one.
        company = await findCompanyByExternalId(trx, ctx.tenantId, ref);
        if (!company) throw new AppError('UNAVAILABLE', 'The company was deleted while joining it; retry');
      }
    }
    const data = { companyId: company.id, externalId: company.external_id };
    const inserted = await insertMemberIfAbsent(trx, ctx.tenantId, {
      companyId: company.id,
      userId,
      role: member.role ?? null,
      title: member.title ?? null,
      now,
    });
    if (inserted) {
      const changes = { role: { before: null, after: inserted.role }, title: { before: null, after: inserted.title } };
      await events.record(trx, ctx, { type: 'company.member_added', userId, changes, data });
      return { created: true, companyCreated, membership: toMembershipView(inserted, company) };
    }
    const existing = await findMemberForUpdate(trx, ctx.tenantId, company.id, userId);
    if (!existing) throw new AppError('UNAVAILABLE', 'The membership was removed while updating it; retry');
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    for (const key of ['role', 'title'] as const) {
      const after = member[key];
      if (after !== undefined && after !== existing[key]) changes[key] = { before: existing[key], after };
    }
    if (Object.keys(changes).length === 0) return { created: false, companyCreated, membership: toMembershipView(existing, company) };
    const updated = await updateMember(trx, ctx.tenantId, company.id, userId, member, now);
    if (!updated) throw new AppError('UNAVAILABLE', 'The membership was removed while updating it; retry');
    await events.record(trx, ctx, { type: 'company.member_updated', userId, changes, data });
    return { created: false, companyCreated, membership: toMembershipView(updated, company) };
  }

  return {
    prepareMembership,
    writeMembership,

    async upsertMembership(ctx, userId, companyRef, input) {
      if (!isUuid(userId)) throw userNotFound(userId);
      const prepared = prepareMembership(companyRef, input);
      return inTransaction(db, async (trx) => {
        if (!(await lockLiveUser(trx, ctx.tenantId, userId))) throw userNotFound(userId);
        return writeMembership(trx, ctx, userId, prepared);
      });
    },

    async removeMembership(ctx, userId, companyRef) {
      if (!isUuid(userId)) throw userNotFound(userId);
      const company = await findCompanyByRef(db, ctx.tenantId, companyRef.trim());
      if (!company) throw companyNotFound(companyRef);
      await inTransaction(db, async (trx) => {
        if (!(await lockLiveUser(trx, ctx.tenantId, userId))) throw userNotFound(userId);
        const removed = await deleteMember(trx, ctx.tenantId, company.id, userId);
        if (!removed) return;
        await events.record(trx, ctx, {
          type: 'company.member_removed',
          userId,
          changes: { role: { before: removed.role, after: null }, title: { before: removed.title, after: null } },
          data: { companyId: company.id, externalId: company.external_id },
        });
      });
    },

    async listUserMemberships(ctx, userId) {
      if (!isUuid(userId)) throw userNotFound(userId);
      if (!(await findUserById(db, ctx.tenantId, userId))) throw userNotFound(userId);
      const rows = await listUserMemberships(db, ctx.tenantId, userId);
      return rows.map(({ member, company }) => toMembershipView(member, company));
    },

    async listMembers(ctx, companyRef, query) {
      const limit = query.limit ?? 50;
      const after = decodeTimeIdCursor(query.cursor);
      const company = await findCompanyByRef(db, ctx.tenantId, companyRef.trim());
      if (!company) throw companyNotFound(companyRef);
      const rows = await listCompanyMembers(db, ctx.tenantId, company.id, after, limit + 1);
      const { page, nextCursor } = timeIdPage(rows, limit, (row) => ({ at: row.member.joined_at, id: row.member.user_id }));
      return {
        data: page.map(({ member, brands, ...user }) => ({
          userId: member.user_id,
          user: toUserView(user, brands),
          role: member.role,
          title: member.title,
          joinedAt: member.joined_at.toISOString(),
          updatedAt: member.updated_at.toISOString(),
        })),
        nextCursor,
      };
    },
  };
}
