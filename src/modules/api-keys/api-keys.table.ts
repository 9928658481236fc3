import type { Selectable } from 'kysely';

export interface ApiKeysTable {
  tenant_id: string;
  id: string;
  name: string;
  brand_id: string | null;
  prefix: string;
  secret_hash: Buffer;
  scopes: string[] | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
