import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * The gap-free feed (the transaction id of every event), webhook endpoints, their per-event messages and the
 * delivery log, and the cursors of the workers that follow the feed (webhook fan-out, NATS publisher).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
    CREATE INDEX events_tenant_txid_seq_idx ON events (tenant_id, txid, seq);
    CREATE INDEX events_txid_seq_idx ON events (txid, seq);

    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      url text NOT NULL,
      description text,
      event_types jsonb NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text,
      header_names jsonb NOT NULL DEFAULT '[]',
      headers text,
      secret text NOT NULL,
      previous_secret text,
      previous_secret_until timestamptz,
      failing_since timestamptz,
      last_success_at timestamptz,
      last_failure_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at, id);

    CREATE TABLE webhook_messages (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id uuid NOT NULL,
      event_txid xid8 NOT NULL,
      event_seq bigint NOT NULL,
      user_id uuid,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      first_attempt_at timestamptz,
      next_attempt_at timestamptz NOT NULL,
      lease_owner text,
      lease_until timestamptz,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL,
      UNIQUE (endpoint_id, event_id)
    );
    CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_messages_order_idx ON webhook_messages (endpoint_id, user_id, event_txid, event_seq) WHERE status = 'pending';

    CREATE TABLE webhook_attempts (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant_id uuid NOT NULL,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      message_id uuid NOT NULL,
      event_id uuid NOT NULL,
      attempt integer NOT NULL,
      started_at timestamptz NOT NULL,
      status_code integer,
      duration_ms integer NOT NULL,
      error_kind text,
      response_excerpt text,
      next_attempt_at timestamptz
    );
    CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (tenant_id, endpoint_id, seq);

    CREATE TABLE feed_cursors (
      name text PRIMARY KEY,
      txid xid8 NOT NULL DEFAULT '0',
      seq bigint NOT NULL DEFAULT 0,
      lease_owner text,
      lease_until timestamptz
    )
    `,
  );
}
