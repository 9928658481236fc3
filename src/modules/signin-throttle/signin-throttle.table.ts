import type { Selectable } from 'kysely';

/** One counter per (tenant, key): key is `id:<identifier>` or `ip:<address>`. */
export interface SigninFailuresTable {
  tenant_id: string;
  key: string;
  /** Failures since window_started_at. */
  failures: number;
  window_started_at: Date;
  /** No sign-in for this key is checked before this time. */
  blocked_until: Date | null;
}

export type SigninFailureRow = Selectable<SigninFailuresTable>;
