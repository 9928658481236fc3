import { type Kysely, sql } from 'kysely';

/**
 * Wake-ups for the webhook worker (issue 12, throughput): a statement trigger on `events` notifies
 * `roster_events` with `<schema>:e:<txid>` at commit of every transaction that wrote events, and one on
 * `webhook_messages` with `<schema>:m` when the fan-out queued messages. The schema is in the payload, not the
 * channel: every Roster schema of one database shares the channel and each listener keeps its own. NOTIFY folds
 * identical payloads of one transaction into one, so a transaction sends one wake-up per kind however many rows
 * it wrote; a rolled-back one sends none.
 *
 * And the claim's index in the claim's own order, so a claim walks the due messages in order and stops at its
 * limit instead of sorting every due message of a backlog (EXPLAIN ANALYZE: a sort over the whole backlog on
 * every claim before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw("CREATE INDEX webhook_messages_claim_idx ON webhook_messages (next_attempt_at, event_txid, event_seq) WHERE status = 'pending'")
    .execute(db);
  await sql.raw('DROP INDEX webhook_messages_due_idx').execute(db);
  await sql
    .raw(`
    CREATE FUNCTION roster_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('roster_events', TG_TABLE_SCHEMA || ':e:' || pg_current_xact_id()::text);
      RETURN NULL;
    END $$`)
    .execute(db);
  await sql
    .raw(`
    CREATE FUNCTION roster_notify_webhook_messages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('roster_events', TG_TABLE_SCHEMA || ':m');
      RETURN NULL;
    END $$`)
    .execute(db);
  await sql
    .raw('CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION roster_notify_events()')
    .execute(db);
  await sql
    .raw(
      'CREATE TRIGGER webhook_messages_notify AFTER INSERT ON webhook_messages FOR EACH STATEMENT EXECUTE FUNCTION roster_notify_webhook_messages()',
    )
    .execute(db);
}
