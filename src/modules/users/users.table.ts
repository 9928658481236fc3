import type { ColumnType, Generated, Selectable } from 'kysely';
import type { UserStatus } from './users.ts';

type Json<T> = ColumnType<T, string, string>;

export interface UsersTable {
  tenant_id: string;
  id: string;
  number: number;
  external_id: string | null;
  username: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  birth_date: string | null;
  gender: string | null;
  postal_code: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  timezone: string | null;
  locale: string | null;
  picture: string | null;
  links: Json<Record<string, string>>;
  consents: Json<Record<string, boolean>>;
  score: number | null;
  status: Generated<UserStatus>;
  roles: string[];
  sessions_limit: number | null;
  attributes: Json<Record<string, unknown>>;
  search_text: string;
  created_at: Date;
  updated_at: Date;
  deactivated_at: Date | null;
  erased_at: Date | null;
  version: Generated<number>;
}

export type UserRow = Selectable<UsersTable>;

/** Per-tenant, per-status totals of users not erased, kept by triggers (migration 0011); a total sums the shards. */
export interface UserCountsTable {
  tenant_id: string;
  status: string;
  shard: number;
  n: number;
}
