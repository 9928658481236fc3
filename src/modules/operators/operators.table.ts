import type { ColumnType, Selectable } from 'kysely';

export type OperatorRole = 'platform' | 'tenant';

/** A person who signs in to the console. */
export interface OperatorsTable {
  id: string;
  /** Normalized (lower-cased) email; unique. */
  email: string;
  name: string;
  /** argon2id, from the credentials hasher. */
  password_hash: string;
  role: OperatorRole;
  /** The tenants a `tenant` operator may see (jsonb array of ids, written as JSON text). */
  tenant_ids: ColumnType<string[], string, string>;
  created_at: Date;
  updated_at: Date;
}

/** One console sign-in: the cookie's SHA-256, its CSRF token and its two deadlines. */
export interface OperatorSessionsTable {
  token_hash: Buffer;
  id: string;
  /** Null: signed in with the platform admin token. */
  operator_id: string | null;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  /** The absolute deadline (7 days after sign-in). */
  expires_at: Date;
  ended_at: Date | null;
}

export type OperatorRow = Selectable<OperatorsTable>;
export type OperatorSessionRow = Selectable<OperatorSessionsTable>;
