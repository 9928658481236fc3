import type { Selectable } from 'kysely';

export interface RolesTable {
  tenant_id: string;
  name: string;
  description: string | null;
  created_at: Date;
}

export type RoleRow = Selectable<RolesTable>;
