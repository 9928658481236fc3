import { type Kysely, sql } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * User totals on insert, once per statement instead of once per row: an import batch of 1,000 new users made 1,000
 * upserts of the same counter row (a third of the insert's time); one statement-level trigger over the inserted
 * rows makes it one upsert per tenant and status. Updates and deletes keep their row triggers: a statement trigger
 * with transition tables cannot be limited to the status and erasure columns, and would fire for every profile edit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // plpgsql bodies hold semicolons at line ends: one statement, not through runStatements. The search path is
  // pinned to Roster's schema, as roster_count_users' is: a COPY in psql must find user_counts.
  await sql
    .raw(`
    CREATE FUNCTION roster_count_inserted_users() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
      -- In status order, so two transactions on one shard take the rows in the same order.
      INSERT INTO user_counts AS c (tenant_id, status, shard, n)
        SELECT tenant_id, status, (txid_current() % 16)::smallint, count(*) FROM inserted_users
        WHERE erased_at IS NULL GROUP BY tenant_id, status ORDER BY tenant_id, status
        ON CONFLICT (tenant_id, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
      RETURN NULL;
    END $$`)
    .execute(db);
  await runStatements(
    db,
    `
    DROP TRIGGER users_count_insert ON users;
    CREATE TRIGGER users_count_insert AFTER INSERT ON users REFERENCING NEW TABLE AS inserted_users
      FOR EACH STATEMENT EXECUTE FUNCTION roster_count_inserted_users();
    `,
  );
}
