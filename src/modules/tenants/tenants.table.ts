import type { ColumnType, Generated, Selectable } from 'kysely';

export interface TenantCodes {
  clientGroup?: string;
  client?: string;
  paper?: string;
}

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  hosts: string[];
  codes: ColumnType<TenantCodes, string, string>;
  default_country: string | null;
  currency: string | null;
  allow_freeform_attributes: Generated<boolean>;
  created_at: Date;
  updated_at: Date;
}

export interface TenantHostsTable {
  host: string;
  tenant_id: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Generated<Date>;
}

export type TenantRow = Selectable<TenantsTable>;
