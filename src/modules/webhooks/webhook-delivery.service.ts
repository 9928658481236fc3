import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import type { Ids } from '../../core/ids.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { Database, Listener } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { matchesEventTypes } from '../events/event-type-patterns.ts';
import { findEventsByIds, listPlatformFeed } from '../events/events.repository.ts';
import { type EventsService, toEventView } from '../events/events.service.ts';
import type { EventRow } from '../events/events.table.ts';
import { keyedLimiter, writeBatcher } from './webhook-batching.ts';
import {
  claimDueMessages,
  disableEndpoint,
  enabledEndpointsOf,
  findEndpointsByIds,
  insertAttempts,
  insertMessages,
  inWorkerTransaction,
  lockFeedCursor,
  type NewAttempt,
  type NewMessage,
  noteEndpointOutcome,
  type Settlement,
  saveFeedCursor,
  settleMessages,
} from './webhook-deliveries.repository.ts';
import { type SendOutcome, sendWebhook } from './webhook-send.ts';
import { type Signers, signatureHeaders, signersOf } from './webhook-signing.ts';
import type { WebhookEndpointRow, WebhookMessageRow } from './webhooks.table.ts';
import {
  DISABLE_AFTER_MS,
  endpointSealingContext,
  GIVE_UP_AFTER_MS,
  RESPONSE_LIMIT_BYTES,
  retryAfterOf,
  retryDelayMs,
} from './webhooks.ts';

/** The feed cursor of the webhook fan-out. */
export const WEBHOOKS_CURSOR = 'webhooks';

/** The NOTIFY channel of migration 0013: `<schema>:e:<txid>` when events commit, `<schema>:m` when messages are queued. */
export const WAKEUP_CHANNEL = 'roster_events';

/** Requests in flight to one endpoint at a time, per process. */
const MAX_IN_FLIGHT_PER_ENDPOINT = 16;

/** What woke the worker: events committed by transaction `txid` (decimal), or messages queued. */
export type Wakeup = { kind: 'events'; txid: bigint } | { kind: 'messages' };

/** Where a fan-out round left the cursor, and how many events it read. */
export interface FanOutRound {
  read: number;
  /** The cursor's transaction id after the round (null when another process holds the cursor). */
  txid: bigint | null;
}

export interface WebhookDelivery {
  /**
   * Reads committed events after the fan-out's cursor and queues one message per matching enabled endpoint, then
   * moves the cursor, all in one transaction (so a crash queues nothing twice and skips nothing). Returns how many
   * events it read; 0 when there were none or another process is doing it.
   */
  fanOut(limit?: number): Promise<number>;
  /** fanOut, also saying where the cursor is (the worker compares it with the wake-ups it was sent). */
  fanOutRound(limit?: number): Promise<FanOutRound>;
  /**
   * Leases due messages to `owner`, sends them (in parallel) and records each attempt. Returns how many it sent.
   * Never throws for a receiver's failure; throws when the database fails.
   */
  deliverDue(owner: string, limit?: number): Promise<number>;
  /**
   * The worker's form of deliverDue: resolves once messages are claimed, with a promise of their recording, so
   * it can claim more while they are sent. `onEach` is told as each one is recorded.
   * @throws the database's error when the claim fails.
   */
  dispatch(owner: string, limit: number, onEach?: () => void): Promise<Dispatch>;
  /**
   * Tells `onWakeup` of every commit that wrote events and every fan-out that queued messages in this database
   * schema (LISTEN/NOTIFY; in process on PGlite). `onState(false)` while the listener is down (wake-ups are lost
   * then: poll). Null when the database cannot listen.
   * @throws the driver's error when LISTEN fails.
   */
  listen(onWakeup: (wakeup: Wakeup) => void, onState?: (listening: boolean) => void): Promise<Listener | null>;
}

export interface WebhookDeliveryDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  secretBox: SecretBox;
  allowPrivate: boolean;
  /** Per-attempt timeout (10 s); tests shorten it. */
  timeoutMs?: number;
  /** A leased message is another worker's once this has passed (default 60 s: an attempt takes at most 10 s). */
  leaseMs?: number;
  /** The database's NOTIFY channels and the schema Roster lives in (wake-ups); absent: the worker only polls. */
  database?: Pick<Database, 'listen' | 'schema'>;
}

/** A message done with: an attempt to record, or a message with nothing left to send (failed at once). */
type Finished = AttemptResult | Settlement;

/** A claim whose sends are under way. */
export interface Dispatch {
  claimed: number;
  /** Resolves when every claimed message's attempt is recorded; rejects when recording failed (the leases expire). */
  done: Promise<void>;
}

/** What one attempt wrote: its log row, its settlement, and whether it ended the endpoint. */
interface AttemptResult {
  endpoint: WebhookEndpointRow;
  attempt: NewAttempt;
  settlement: Settlement;
  ok: boolean;
  disable: { reason: 'gone' | 'failing'; lastError: string } | null;
}

/** Who Roster's own workers write events as. */
function systemContext(tenantId: string): ActorContext {
  return { tenantId, actor: 'system', brand: null, scopes: null, source: null, requestId: null };
}

/** The wanted targets of an event: `webhook.test` goes only to the endpoint it names. */
function targets(event: EventRow, endpoints: WebhookEndpointRow[]): WebhookEndpointRow[] {
  if (event.type === 'webhook.test') return endpoints.filter((e) => e.id === event.data?.endpointId);
  return endpoints.filter((e) => e.created_at <= event.created_at && matchesEventTypes(e.event_types, event.type));
}

type Verdict = { status: 'delivered' } | { status: 'pending'; nextAttemptAt: Date } | { status: 'failed'; disable: 'gone' | null };

/** The delivery worker's core: fan-out from the feed, leases, signed attempts, retries, the log. */
export function createWebhookDelivery(deps: WebhookDeliveryDeps): WebhookDelivery {
  const { db, clock, ids, secretBox } = deps;

  function secretsOf(endpoint: WebhookEndpointRow, now: Date): string[] {
    const context = endpointSealingContext(endpoint.tenant_id, endpoint.id, 'secret');
    const secrets = [secretBox.open(endpoint.secret, context)];
    if (endpoint.previous_secret && endpoint.previous_secret_until && endpoint.previous_secret_until > now) {
      secrets.push(secretBox.open(endpoint.previous_secret, context));
    }
    return secrets;
  }

  function headersOf(endpoint: WebhookEndpointRow): Record<string, string> {
    if (!endpoint.headers) return {};
    return JSON.parse(secretBox.open(endpoint.headers, endpointSealingContext(endpoint.tenant_id, endpoint.id, 'headers')));
  }

  /** What every delivery of a round to one endpoint shares: its opened extra headers and its signers. */
  interface Prepared {
    endpoint: WebhookEndpointRow;
    headers: Record<string, string>;
    signers: Signers;
  }

  function prepare(endpoint: WebhookEndpointRow, now: Date): Prepared {
    return { endpoint, headers: headersOf(endpoint), signers: signersOf(secretsOf(endpoint, now)) };
  }

  function verdictOf(message: WebhookMessageRow, outcome: SendOutcome, now: Date): Verdict {
    if (outcome.ok && outcome.status >= 200 && outcome.status < 300) return { status: 'delivered' };
    if (outcome.ok && outcome.status === 410) return { status: 'failed', disable: 'gone' };
    const firstAt = message.first_attempt_at ?? now;
    if (now.getTime() - firstAt.getTime() >= GIVE_UP_AFTER_MS) return { status: 'failed', disable: null };
    let next = now.getTime() + retryDelayMs(message.attempts + 1);
    if (outcome.ok && (outcome.status === 429 || outcome.status === 503)) {
      next = retryAfterOf(outcome.headers['retry-after'], now.getTime()) ?? next;
    }
    return { status: 'pending', nextAttemptAt: new Date(next) };
  }

  async function disable(endpoint: WebhookEndpointRow, reason: 'gone' | 'failing', lastError: string | null, at: Date): Promise<void> {
    await db.transaction().execute(async (trx) => {
      if (!(await disableEndpoint(trx, endpoint.id, reason, at))) return;
      await deps.events.record(trx, systemContext(endpoint.tenant_id), {
        type: 'webhook.endpoint_disabled',
        data: { endpointId: endpoint.id, url: endpoint.url, reason, lastError },
      });
    });
  }

  async function attempt(message: WebhookMessageRow, prepared: Prepared, event: EventRow): Promise<AttemptResult> {
    const { endpoint } = prepared;
    const now = clock.now();
    const body = JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: toEventView(event) });
    const headers = { ...prepared.headers, ...signatureHeaders(event.id, now, body, prepared.signers) };
    const started = performance.now();
    const outcome = await sendWebhook({ url: endpoint.url, headers, body, allowPrivate: deps.allowPrivate, timeoutMs: deps.timeoutMs });
    const durationMs = Math.round(performance.now() - started);
    const verdict = verdictOf(message, outcome, now);
    const ok = verdict.status === 'delivered';
    const errorKind = ok ? null : outcome.ok ? 'http_status' : outcome.kind;
    const nextAttemptAt = verdict.status === 'pending' ? verdict.nextAttemptAt : undefined;
    const lastError = outcome.ok ? `answered ${outcome.status}` : outcome.message;
    let disable: AttemptResult['disable'] = null;
    if (verdict.status === 'failed' && verdict.disable) disable = { reason: verdict.disable, lastError };
    else if (!ok && endpoint.failing_since && now.getTime() - endpoint.failing_since.getTime() >= DISABLE_AFTER_MS) {
      disable = { reason: 'failing', lastError };
    }
    return {
      endpoint,
      ok,
      disable,
      settlement: { message, status: verdict.status, at: now, nextAttemptAt },
      attempt: {
        tenant_id: endpoint.tenant_id,
        endpoint_id: endpoint.id,
        message_id: message.id,
        event_id: event.id,
        attempt: message.attempts + 1,
        started_at: now,
        status_code: outcome.status,
        duration_ms: durationMs,
        error_kind: errorKind,
        response_excerpt: outcome.ok ? outcome.excerpt.slice(0, RESPONSE_LIMIT_BYTES) || null : outcome.message,
        next_attempt_at: nextAttemptAt ?? null,
      },
    };
  }

  /**
   * Writes finished attempts (a batch: whatever finished while the last write ran) in one transaction: the log rows, the settlements and each endpoint's last outcome,
   * one statement each (so the log and the messages never disagree), then disables the endpoints that must be.
   */
  async function record(items: Finished[]): Promise<void> {
    const results = items.filter((i): i is AttemptResult => 'attempt' in i);
    const skipped = items.filter((i): i is Settlement => !('attempt' in i));
    const outcomes = new Map<string, { successAt: Date | null; failureAt: Date | null }>();
    for (const r of results) {
      const o = outcomes.get(r.attempt.endpoint_id) ?? { successAt: null, failureAt: null };
      const at = r.attempt.started_at;
      if (r.ok && (!o.successAt || at > o.successAt)) o.successAt = at;
      if (!r.ok && (!o.failureAt || at > o.failureAt)) o.failureAt = at;
      outcomes.set(r.attempt.endpoint_id, o);
    }
    await inWorkerTransaction(db, async (trx) => {
      await insertAttempts(
        trx,
        results.map((r) => r.attempt),
      );
      await settleMessages(trx, [...results.map((r) => r.settlement), ...skipped]);
      // In id order, so two workers updating the same endpoints take their row locks in the same order.
      for (const id of [...outcomes.keys()].sort())
        await noteEndpointOutcome(trx, id, outcomes.get(id) as { successAt: Date | null; failureAt: Date | null });
    });
    const disabling = new Map<string, { endpoint: WebhookEndpointRow; reason: 'gone' | 'failing'; lastError: string; at: Date }>();
    for (const r of results) {
      if (r.disable && !disabling.has(r.endpoint.id))
        disabling.set(r.endpoint.id, { endpoint: r.endpoint, ...r.disable, at: r.attempt.started_at });
    }
    for (const d of disabling.values()) await disable(d.endpoint, d.reason, d.lastError, d.at);
  }

  const writes = writeBatcher<Finished>(record);
  /** Messages this process has claimed and not yet recorded, per endpoint. */
  const claimedPerEndpoint = new Map<string, number>();
  const release = (endpointId: string) => {
    const left = (claimedPerEndpoint.get(endpointId) ?? 1) - 1;
    if (left > 0) claimedPerEndpoint.set(endpointId, left);
    else claimedPerEndpoint.delete(endpointId);
  };

  const withEndpointSlot = keyedLimiter(MAX_IN_FLIGHT_PER_ENDPOINT);

  async function fanOutRound(limit = 1000): Promise<FanOutRound> {
    return inWorkerTransaction(db, async (trx) => {
      const position = await lockFeedCursor(trx, WEBHOOKS_CURSOR, db);
      if (!position) return { read: 0, txid: null };
      const feed = await listPlatformFeed(trx, position, limit);
      const last = feed.at(-1);
      if (!last) return { read: 0, txid: BigInt(position.txid) };
      const endpoints = await enabledEndpointsOf(trx, [...new Set(feed.map((e) => e.tenant_id))]);
      const now = clock.now();
      const messages: NewMessage[] = [];
      for (const event of feed) {
        for (const endpoint of targets(
          event,
          endpoints.filter((e) => e.tenant_id === event.tenant_id),
        )) {
          messages.push({
            id: ids.uuid(),
            tenant_id: event.tenant_id,
            endpoint_id: endpoint.id,
            event_id: event.id,
            event_txid: event.txid,
            event_seq: Number(event.seq),
            user_id: event.user_id,
            next_attempt_at: now,
            created_at: now,
          });
        }
      }
      for (let i = 0; i < messages.length; i += 1000) await insertMessages(trx, messages.slice(i, i + 1000));
      await saveFeedCursor(trx, WEBHOOKS_CURSOR, { txid: last.txid, seq: Number(last.seq) });
      return { read: feed.length, txid: BigInt(last.txid) };
    });
  }

  /**
   * Claims up to `limit` due messages and starts sending them; returns once they are claimed. Endpoints with as many
   * messages claimed here as they take at once twice over are left out of the claim, so one slow endpoint cannot
   * fill this process with work that only waits. `onEach` is told as each message is recorded.
   */
  async function dispatch(owner: string, limit: number, onEach?: () => void): Promise<Dispatch> {
    const now = clock.now();
    const busy = [...claimedPerEndpoint].filter(([, n]) => n >= 2 * MAX_IN_FLIGHT_PER_ENDPOINT).map(([id]) => id);
    const leaseUntil = new Date(now.getTime() + (deps.leaseMs ?? 60_000));
    const messages = await claimDueMessages(db, { owner, now, leaseUntil, limit, skipEndpoints: busy });
    if (messages.length === 0) return { claimed: 0, done: Promise.resolve() };
    for (const m of messages) claimedPerEndpoint.set(m.endpoint_id, (claimedPerEndpoint.get(m.endpoint_id) ?? 0) + 1);
    try {
      const endpoints = await findEndpointsByIds(db, [...new Set(messages.map((m) => m.endpoint_id))]);
      const prepared = new Map(endpoints.map((e) => [e.id, prepare(e, now)]));
      const events = new Map<string, EventRow>();
      for (const tenantId of new Set(messages.map((m) => m.tenant_id))) {
        const ofTenant = [...new Set(messages.filter((m) => m.tenant_id === tenantId).map((m) => m.event_id))];
        for (const e of await findEventsByIds(db, tenantId, ofTenant)) events.set(e.id, e);
      }
      const recorded = messages.map(async (message) => {
        const endpoint = prepared.get(message.endpoint_id);
        const event = events.get(message.event_id);
        try {
          // Deleted since the claim (endpoint) or never readable (event): nothing to send, and nothing to retry.
          if (!endpoint || !event) await writes.push({ message, status: 'failed', at: now });
          else await writes.push(await withEndpointSlot(message.endpoint_id, () => attempt(message, endpoint, event)));
        } finally {
          release(message.endpoint_id);
          onEach?.();
        }
      });
      return { claimed: messages.length, done: Promise.all(recorded).then(() => {}) };
    } catch (error) {
      for (const m of messages) release(m.endpoint_id);
      throw error;
    }
  }

  return {
    fanOutRound,

    async fanOut(limit) {
      return (await fanOutRound(limit)).read;
    },

    async listen(onWakeup, onState) {
      if (!deps.database) return null;
      const prefix = `${deps.database.schema ?? 'public'}:`;
      return deps.database.listen(
        WAKEUP_CHANNEL,
        (payload) => {
          if (!payload.startsWith(prefix)) return;
          const rest = payload.slice(prefix.length);
          if (rest === 'm') onWakeup({ kind: 'messages' });
          else if (rest.startsWith('e:') && /^\d+$/.test(rest.slice(2))) onWakeup({ kind: 'events', txid: BigInt(rest.slice(2)) });
        },
        onState,
      );
    },

    dispatch,

    async deliverDue(owner, limit = 200) {
      const { claimed, done } = await dispatch(owner, limit);
      await done;
      return claimed;
    },
  };
}
