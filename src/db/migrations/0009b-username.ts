import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * Users get an optional username (SCIM's userName), unique per tenant compared case-insensitively: the index is
 * on lower(username), so `Alice` and `alice` collide and a lookup by lower(...) uses it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `ALTER TABLE users ADD COLUMN username text;
    CREATE UNIQUE INDEX users_tenant_username_key ON users (tenant_id, lower(username));`,
  );
}
