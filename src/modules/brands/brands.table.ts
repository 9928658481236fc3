import type { ColumnType, Selectable } from 'kysely';
import type { TenantCodes } from '../tenants/tenants.table.ts';

export interface BrandsTable {
  tenant_id: string;
  id: string;
  slug: string;
  name: string;
  codes: ColumnType<TenantCodes, string, string>;
  created_at: Date;
}

export interface UserBrandsTable {
  tenant_id: string;
  user_id: string;
  brand_id: string;
  joined_at: Date;
}

export type BrandRow = Selectable<BrandsTable>;
