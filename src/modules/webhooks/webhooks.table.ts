import type { ColumnType, Generated, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  description: string | null;
  /** Type patterns (`user.*`, `*`, exact types). */
  event_types: Json<string[]>;
  enabled: boolean;
  /** Why the endpoint was turned off: `gone` (410), `failing` (5 days of failures), `manual`. */
  disabled_reason: string | null;
  /** The names of the extra headers, shown back; their values live sealed in `headers`. */
  header_names: Json<string[]>;
  /** Sealed JSON of the extra headers (name → value), or null. */
  headers: string | null;
  /** Sealed signing secret (`whsec_…`). */
  secret: string;
  /** The secret before the last rotation, sealed; signs next to the new one until `previous_secret_until`. */
  previous_secret: string | null;
  previous_secret_until: Date | null;
  /** Start of the current run of failures (null after a success). */
  failing_since: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** One event to deliver to one endpoint: its state, attempts and lease. */
export interface WebhookMessagesTable {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  event_txid: string;
  event_seq: number;
  user_id: string | null;
  /** `pending` (to send or being sent), `delivered`, `failed` (gave up after 3 days). */
  status: string;
  attempts: Generated<number>;
  first_attempt_at: Date | null;
  next_attempt_at: Date;
  lease_owner: string | null;
  lease_until: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

/** The delivery log: one row per attempt. Never holds the secret or extra header values. */
export interface WebhookAttemptsTable {
  seq: Generated<number>;
  tenant_id: string;
  endpoint_id: string;
  message_id: string;
  event_id: string;
  attempt: number;
  started_at: Date;
  status_code: number | null;
  duration_ms: number;
  /** null on success; else `timeout`, `network`, `blocked_address`, `redirect`, `http_status`. */
  error_kind: string | null;
  response_excerpt: string | null;
  next_attempt_at: Date | null;
}

/** Where a follower of the whole feed (webhook fan-out, a NATS stream) has got to, with its lease. */
export interface FeedCursorsTable {
  name: string;
  txid: Generated<string>;
  seq: Generated<number>;
  lease_owner: string | null;
  lease_until: Date | null;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookMessageRow = Selectable<WebhookMessagesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
