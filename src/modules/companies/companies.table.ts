import type { ColumnType, Generated, Selectable } from 'kysely';

export interface CompaniesTable {
  tenant_id: string;
  id: string;
  external_id: string | null;
  name: string;
  domain: string | null;
  attributes: ColumnType<Record<string, unknown>, string, string>;
  created_at: Date;
  updated_at: Date;
  version: Generated<number>;
}

export interface CompanyMembersTable {
  tenant_id: string;
  company_id: string;
  user_id: string;
  role: string | null;
  title: string | null;
  joined_at: Date;
  updated_at: Date;
}

export type CompanyRow = Selectable<CompaniesTable>;
export type CompanyMemberRow = Selectable<CompanyMembersTable>;
