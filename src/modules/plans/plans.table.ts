import type { Generated, Selectable } from 'kysely';

export interface PlansTable {
  tenant_id: string;
  id: string;
  number: number;
  external_id: string | null;
  name: string;
  /** ISO 8601 date duration (P1M, P30D, P1Y2M), or null for open-ended assignments. */
  default_duration: string | null;
  created_at: Date;
  updated_at: Date;
  version: Generated<number>;
}

/** The last plan number given out per tenant: a counter row, so numbers are gapless and race-safe. */
export interface PlanNumbersTable {
  tenant_id: string;
  last_number: number;
}

export interface UserPlansTable {
  tenant_id: string;
  id: string;
  user_id: string;
  plan_id: string;
  valid_from: Date;
  valid_to: Date | null;
  ended_at: Date | null;
  created_at: Date;
}

export type PlanRow = Selectable<PlansTable>;
export type UserPlanRow = Selectable<UserPlansTable>;
