import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** Brute-force protection: failed sign-in counters and blocks; per-tenant and per-key API rate limits. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE signin_failures (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      key text NOT NULL,
      failures integer NOT NULL,
      window_started_at timestamptz NOT NULL,
      blocked_until timestamptz,
      PRIMARY KEY (tenant_id, key)
    );

    ALTER TABLE tenants ADD COLUMN rate_limit jsonb;
    ALTER TABLE api_keys ADD COLUMN rate_limit jsonb
  `,
  );
}
