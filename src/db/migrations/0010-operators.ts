import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * Console operators (people who sign in to /console) and their cookie sessions. Operators belong to the platform,
 * not to a tenant: a `tenant` operator lists the tenants it may see. The sign-in throttle counts operator failures
 * under the nil tenant id, so its counters no longer reference tenants.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE operators (
      id uuid PRIMARY KEY,
      email text NOT NULL,
      name text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('platform', 'tenant')),
      tenant_ids jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX operators_email_key ON operators (email);

    CREATE TABLE operator_sessions (
      token_hash bytea PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      operator_id uuid REFERENCES operators(id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      ended_at timestamptz
    );
    CREATE INDEX operator_sessions_operator_idx ON operator_sessions (operator_id);

    ALTER TABLE signin_failures DROP CONSTRAINT IF EXISTS signin_failures_tenant_id_fkey
  `,
  );
}
