import type { ColumnType, Selectable } from 'kysely';
import type { RateLimitSetting } from './api-keys.ts';

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
  /** jsonb, written as JSON text. */
  rate_limit: ColumnType<RateLimitSetting | null, string | null | undefined, string | null>;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
