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

/** Refreshes a table's statistics as a bulk write grows it, so its plans stay those of the table it has become. */
export interface GrowthAnalyzer {
  /** Counts rows just committed; analyzes the table once they outnumber what its statistics last saw (at least `minRows`). */
  grew(rows: number): Promise<void>;
  /** Analyzes the table when rows were added since the last refresh (call at the end of the bulk write). */
  finish(): Promise<void>;
}

/**
 * A growth analyzer for `table`. Doubling steps keep the cost small (a million-row load analyzes about ten times,
 * each a sample of at most 30,000 rows) while a lookup by a unique key never meets the empty-table plan that scans
 * the whole tenant once per batch.
 * @throws the driver's error when reading the statistics or ANALYZE fails.
 */
export async function growthAnalyzer(db: Kysely<DB>, table: keyof DB, minRows = 2000): Promise<GrowthAnalyzer> {
  const { rows } = await sql<{ n: number }>`
    select greatest(reltuples, 0)::float8 as n from pg_catalog.pg_class where oid = to_regclass(${table})`.execute(db);
  let known = Number(rows[0]?.n ?? 0);
  let added = 0;
  const refresh = async () => {
    await analyzeTables(db, [table]);
    known += added;
    added = 0;
  };
  return {
    async grew(n) {
      added += n;
      if (added >= Math.max(minRows, known)) await refresh();
    },
    async finish() {
      if (added > 0) await refresh();
    },
  };
}
