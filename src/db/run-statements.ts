import { type Kysely, sql } from 'kysely';

/**
 * Runs a script of DDL statements one by one (PGlite's extended protocol takes one statement per query).
 * Statements are separated by a semicolon at the end of a line.
 */
export async function runStatements(db: Kysely<unknown>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*\n/)) {
    const text = statement.trim();
    if (text) await sql.raw(text).execute(db);
  }
}
