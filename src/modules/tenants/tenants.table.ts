import type { ColumnType, Generated, Selectable } from 'kysely';
import type { RateLimitSetting } from '../../core/rate-limit-setting.ts';

export type SessionsPolicy = 'evict_oldest' | 'reject_new';

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
  /** Live sessions a user may hold when the user sets no limit; null is unlimited. */
  sessions_limit: number | null;
  /** What a sign-in past the limit does: end the oldest session, or fail. */
  sessions_policy: Generated<SessionsPolicy>;
  /** Refuse new passwords found in the shipped list of the most common ones. */
  reject_common_passwords: Generated<boolean>;
  /** A user written without a picture gets the Gravatar URL of their email (off by default). */
  gravatar_pictures: Generated<boolean>;
  /** The API rate limit of the tenant's keys that set none (jsonb, written as JSON text); null is unlimited. */
  rate_limit: ColumnType<RateLimitSetting | null, string | null | undefined, string | null>;
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
