import type { ColumnType, Selectable } from 'kysely';
import type { FieldMapping, ProviderSettings, ProviderType } from './providers.ts';

export interface IdentityProvidersTable {
  tenant_id: string;
  id: string;
  name: string;
  /** Null: the tenant's provider; else the brand's, which wins for that brand. */
  brand_id: string | null;
  type: ProviderType;
  endpoint: string;
  settings: ColumnType<ProviderSettings, string, string>;
  /** AES-256-GCM sealed JSON (see core/secret-box.ts); never selected for views. */
  credentials: string;
  timeout_ms: number;
  cache_ttl_seconds: number;
  field_mapping: ColumnType<FieldMapping, string, string>;
  jit_provisioning: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface UserIdentitiesTable {
  tenant_id: string;
  provider_id: string;
  subject: string;
  user_id: string;
  linked_at: Date;
}

export type ProviderRow = Selectable<IdentityProvidersTable>;
export type IdentityRow = Selectable<UserIdentitiesTable>;
