import { type Kysely, sql } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * The webhook wake-ups of 0013 only when rows were inserted. A statement trigger fires for a statement that
 * inserted nothing too, and a find-or-create that finds its user runs its event insert as a zero-row CTE: the
 * trigger's `pg_current_xact_id()` then gave that read-only request a transaction id, so its commit flushed the
 * WAL, and its NOTIFY took the cluster-wide notify queue lock at commit (find-or-create fell to about half of its
 * rate before 0013: 1,748 → 801 req/s in bench's find-or-create alone). Now each trigger reads its transition
 * table and notifies only when it holds a row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // plpgsql bodies hold semicolons at line ends, so each function is one statement.
  await sql
    .raw(`
    CREATE OR REPLACE FUNCTION roster_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM inserted_rows) THEN
        PERFORM pg_notify('roster_events', TG_TABLE_SCHEMA || ':e:' || pg_current_xact_id()::text);
      END IF;
      RETURN NULL;
    END $$`)
    .execute(db);
  await sql
    .raw(`
    CREATE OR REPLACE FUNCTION roster_notify_webhook_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM inserted_rows) THEN
        PERFORM pg_notify('roster_events', TG_TABLE_SCHEMA || ':m');
      END IF;
      RETURN NULL;
    END $$`)
    .execute(db);
  await runStatements(
    db,
    `
    DROP TRIGGER events_notify ON events;
    CREATE TRIGGER events_notify AFTER INSERT ON events REFERENCING NEW TABLE AS inserted_rows
      FOR EACH STATEMENT EXECUTE FUNCTION roster_notify_events();
    DROP TRIGGER webhook_messages_notify ON webhook_messages;
    CREATE TRIGGER webhook_messages_notify AFTER INSERT ON webhook_messages REFERENCING NEW TABLE AS inserted_rows
      FOR EACH STATEMENT EXECUTE FUNCTION roster_notify_webhook_messages();
    `,
  );
}
