import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** Gravatar pictures become a tenant's choice, off by default: a Gravatar URL sends a hash of the email to a third party. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, 'ALTER TABLE tenants ADD COLUMN gravatar_pictures boolean NOT NULL DEFAULT false');
}
