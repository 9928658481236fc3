import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Refreshes the planner's statistics of tables Roster has just filled in bulk (seeds, imports). Autovacuum would
 * do it eventually, or never where it is off; until then a freshly loaded table keeps its empty-table
 * statistics and a list page sorts the whole tenant. Call it after the bulk write has committed.
 * @throws the driver's error when ANALYZE fails.
 */
export async function analyzeTables(db: Kysely<DB>, tables: readonly (keyof DB)[]): Promise<void> {
  for (const table of tables) await sql`analyze ${sql.table(table)}`.execute(db);
}
