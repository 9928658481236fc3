import { type Kysely, sql } from 'kysely';
import type { TimeIdPosition } from '../../core/cursor.ts';
import { afterTimeId } from '../../db/paging.ts';
import type { DB } from '../../db/schema.ts';
import { brandsOfUser, type UserWithBrands } from '../users/users.repository.ts';
import type { CompanyMemberRow, CompanyRow } from './companies.table.ts';
import type { MembershipInput } from './companies.ts';

/** Adds a membership; undefined when the user already belongs (after waiting for a concurrent insert of it). */
export async function insertMemberIfAbsent(
  db: Kysely<DB>,
  tenantId: string,
  member: { companyId: string; userId: string; role: string | null; title: string | null; now: Date },
): Promise<CompanyMemberRow | undefined> {
  return db
    .insertInto('company_members')
    .values({
      tenant_id: tenantId,
      company_id: member.companyId,
      user_id: member.userId,
      role: member.role,
      title: member.title,
      joined_at: member.now,
      updated_at: member.now,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'company_id', 'user_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Locks the membership row for the rest of the transaction. */
export async function findMemberForUpdate(
  db: Kysely<DB>,
  tenantId: string,
  companyId: string,
  userId: string,
): Promise<CompanyMemberRow | undefined> {
  return db
    .selectFrom('company_members')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

export async function updateMember(
  db: Kysely<DB>,
  tenantId: string,
  companyId: string,
  userId: string,
  values: MembershipInput,
  now: Date,
): Promise<CompanyMemberRow | undefined> {
  return db
    .updateTable('company_members')
    .set({ ...values, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

/** Removes a membership; returns it, or undefined when there was none. */
export async function deleteMember(
  db: Kysely<DB>,
  tenantId: string,
  companyId: string,
  userId: string,
): Promise<CompanyMemberRow | undefined> {
  return db
    .deleteFrom('company_members')
    .where('tenant_id', '=', tenantId)
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteUserCompanyMemberships(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('company_members').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}

/** The membership row as one JSON value, so it can ride along with a user's or a company's columns. */
const memberJson = sql<CompanyMemberRow>`to_jsonb(cm)`.as('member');

export type MemberWithUser = UserWithBrands & { member: CompanyMemberRow };

/** One page of a company's members with their users, in (joined_at, user id) order after the cursor position. */
export async function listCompanyMembers(
  db: Kysely<DB>,
  tenantId: string,
  companyId: string,
  after: TimeIdPosition | null,
  limit: number,
): Promise<MemberWithUser[]> {
  let query = db
    .selectFrom('company_members as cm')
    .innerJoin('users', (join) => join.onRef('users.tenant_id', '=', 'cm.tenant_id').onRef('users.id', '=', 'cm.user_id'))
    .selectAll('users')
    .select(brandsOfUser)
    .select(memberJson)
    .where('cm.tenant_id', '=', tenantId)
    .where('cm.company_id', '=', companyId)
    .where('users.erased_at', 'is', null);
  if (after) query = query.where(afterTimeId('cm.joined_at', 'cm.user_id', after));
  const rows = await query.orderBy('cm.joined_at').orderBy('cm.user_id').limit(limit).execute();
  return rows.map((row) => ({ ...row, member: memberFromJson(row.member) }));
}

/** A membership row read back from to_jsonb: its times arrive as text. */
function memberFromJson(member: CompanyMemberRow): CompanyMemberRow {
  return { ...member, joined_at: new Date(member.joined_at), updated_at: new Date(member.updated_at) };
}

/** A user's memberships with their companies, oldest first. */
export async function listUserMemberships(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
): Promise<{ member: CompanyMemberRow; company: CompanyRow }[]> {
  const rows = await db
    .selectFrom('company_members as cm')
    .innerJoin('companies', (join) => join.onRef('companies.tenant_id', '=', 'cm.tenant_id').onRef('companies.id', '=', 'cm.company_id'))
    .selectAll('companies')
    .select(memberJson)
    .where('cm.tenant_id', '=', tenantId)
    .where('cm.user_id', '=', userId)
    .orderBy('cm.joined_at')
    .orderBy('companies.id')
    .execute();
  return rows.map(({ member, ...company }) => ({ member: memberFromJson(member), company }));
}
