import { type Kysely, sql } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * Performance at scale (issue 16):
 * - `user_counts`: per-tenant, per-status user totals kept by triggers in the same transaction as every insert,
 *   status change, erasure and delete of a user, whichever code path (or COPY) made it. Each transaction adds
 *   to one of 16 shard rows (chosen by its transaction id), so concurrent writers of one tenant rarely wait on
 *   one row; a count is the sum of at most 16 rows per status.
 * - `roster_sessions` notifications: every update or delete of a session (revocation, refresh, eviction)
 *   notifies its `tenant:id` at commit, so every process drops its cached copy at once.
 * - A trigram index over `search_text` for `q` substring search, when pg_trgm is available.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE user_counts (
      tenant_id uuid NOT NULL,
      status text NOT NULL,
      shard smallint NOT NULL,
      n bigint NOT NULL,
      PRIMARY KEY (tenant_id, status, shard)
    );
    INSERT INTO user_counts (tenant_id, status, shard, n)
      SELECT tenant_id, status, 0, count(*) FROM users WHERE erased_at IS NULL GROUP BY tenant_id, status;
    `,
  );
  // plpgsql bodies hold semicolons at line ends: one statement each, not through runStatements. The search path is
  // pinned to Roster's schema: a trigger fired by any session (a COPY in psql) must find user_counts.
  await sql
    .raw(`
    CREATE FUNCTION roster_count_users() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE
      my_shard smallint := (txid_current() % 16)::smallint;
    BEGIN
      -- Rows in status order, so two transactions on one shard take them in the same order.
      IF TG_OP = 'UPDATE' AND OLD.erased_at IS NULL AND NEW.erased_at IS NULL THEN
        INSERT INTO user_counts AS c (tenant_id, status, shard, n)
          SELECT NEW.tenant_id, s, my_shard, d FROM (VALUES (OLD.status, -1), (NEW.status, 1)) AS v(s, d) ORDER BY s
          ON CONFLICT (tenant_id, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
        RETURN NULL;
      END IF;
      IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.erased_at IS NULL THEN
        INSERT INTO user_counts AS c (tenant_id, status, shard, n) VALUES (OLD.tenant_id, OLD.status, my_shard, -1)
          ON CONFLICT (tenant_id, status, shard) DO UPDATE SET n = c.n - 1;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.erased_at IS NULL THEN
        INSERT INTO user_counts AS c (tenant_id, status, shard, n) VALUES (NEW.tenant_id, NEW.status, my_shard, 1)
          ON CONFLICT (tenant_id, status, shard) DO UPDATE SET n = c.n + 1;
      END IF;
      RETURN NULL;
    END $$`)
    .execute(db);
  await sql
    .raw(`
    CREATE FUNCTION roster_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('roster_sessions', OLD.tenant_id::text || ':' || OLD.id::text);
      RETURN NULL;
    END $$`)
    .execute(db);
  await runStatements(
    db,
    `
    CREATE TRIGGER users_count_insert AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION roster_count_users();
    CREATE TRIGGER users_count_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION roster_count_users();
    CREATE TRIGGER users_count_update AFTER UPDATE OF status, erased_at ON users FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status OR (OLD.erased_at IS NULL) <> (NEW.erased_at IS NULL))
      EXECUTE FUNCTION roster_count_users();
    CREATE TRIGGER sessions_notify AFTER UPDATE OR DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION roster_notify_session();
    CREATE INDEX users_tenant_status_idx ON users (tenant_id, status) WHERE erased_at IS NULL;
    CREATE INDEX users_roles_idx ON users USING gin (roles);
    `,
  );
  const { rows } = await sql<{ schema: string | null }>`
    select (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm') as schema,
           exists (select 1 from pg_available_extensions where name = 'pg_trgm') as available`.execute(db);
  const row = rows[0] as { schema: string | null; available: boolean } | undefined;
  let schema = row?.schema ?? null;
  if (!schema && row?.available) {
    // In public, not in Roster's schema: an extension is one per database, and dropping a schema drops it.
    await sql.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public').execute(db);
    schema = 'public';
  }
  if (schema) {
    await sql.raw(`CREATE INDEX users_search_trgm_idx ON users USING gin (search_text ${schema}.gin_trgm_ops)`).execute(db);
  }
}
