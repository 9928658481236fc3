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
import {
  claimDueMessages,
  disableEndpoint,
  enabledEndpointsOf,
  findEndpointsByIds,
  insertAttempts,
  insertMessages,
  lockFeedCursor,
  type NewAttempt,
  type NewMessage,
  noteEndpointOutcome,
  type Settlement,
  saveFeedCursor,
  settleMessages,
} from './webhook-deliveries.repository.ts';
import { type SendOutcome, sendWebhook } from './webhook-send.ts';
import { signatureHeaders } from './webhook-signing.ts';
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

/** The NOTIFY channel of migration 0012: `<schema>:e:<txid>` when events commit, `<schema>:m` when messages are queued. */
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

/** At most `limit` calls of `run` at once per key (per endpoint); the rest wait their turn, in order. */
function keyedLimiter(limit: number) {
  const lanes = new Map<string, { running: number; waiting: (() => void)[] }>();
  return async function withSlot<T>(key: string, run: () => Promise<T>): Promise<T> {
    let lane = lanes.get(key);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      lanes.set(key, lane);
    }
    const current = lane;
    if (current.running >= limit) await new Promise<void>((resolve) => current.waiting.push(resolve));
    else current.running++;
    try {
      return await run();
    } finally {
      const next = current.waiting.shift();
      if (next) next();
      else if (--current.running === 0) lanes.delete(key);
    }
  };
}

/** What one attempt wrote: its log row, its settlement, and whether it ended the endpoint. */
interface AttemptResult {
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

  async function attempt(message: WebhookMessageRow, endpoint: WebhookEndpointRow, event: EventRow): Promise<AttemptResult> {
    const now = clock.now();
    const body = JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: toEventView(event) });
    const headers = { ...headersOf(endpoint), ...signatureHeaders(event.id, now, body, secretsOf(endpoint, now)) };
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
   * Writes a round's attempts in one transaction: the log rows, the settlements and each endpoint's last outcome,
   * one statement each (so the log and the messages never disagree), then disables the endpoints that must be.
   */
  async function record(results: AttemptResult[], skipped: Settlement[], endpoints: Map<string, WebhookEndpointRow>): Promise<void> {
    const outcomes = new Map<string, { successAt: Date | null; failureAt: Date | null }>();
    for (const r of results) {
      const o = outcomes.get(r.attempt.endpoint_id) ?? { successAt: null, failureAt: null };
      const at = r.attempt.started_at;
      if (r.ok && (!o.successAt || at > o.successAt)) o.successAt = at;
      if (!r.ok && (!o.failureAt || at > o.failureAt)) o.failureAt = at;
      outcomes.set(r.attempt.endpoint_id, o);
    }
    await db.transaction().execute(async (trx) => {
      await insertAttempts(
        trx,
        results.map((r) => r.attempt),
      );
      await settleMessages(trx, [...results.map((r) => r.settlement), ...skipped]);
      // In id order, so two workers updating the same endpoints take their row locks in the same order.
      for (const id of [...outcomes.keys()].sort())
        await noteEndpointOutcome(trx, id, outcomes.get(id) as { successAt: Date | null; failureAt: Date | null });
    });
    const disabling = new Map<string, { reason: 'gone' | 'failing'; lastError: string; at: Date }>();
    for (const r of results)
      if (r.disable && !disabling.has(r.attempt.endpoint_id))
        disabling.set(r.attempt.endpoint_id, { ...r.disable, at: r.attempt.started_at });
    for (const [id, d] of disabling) {
      const endpoint = endpoints.get(id);
      if (endpoint) await disable(endpoint, d.reason, d.lastError, d.at);
    }
  }

  const withEndpointSlot = keyedLimiter(MAX_IN_FLIGHT_PER_ENDPOINT);

  async function fanOutRound(limit = 1000): Promise<FanOutRound> {
    return db.transaction().execute(async (trx) => {
      const position = await lockFeedCursor(trx, WEBHOOKS_CURSOR);
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

    async deliverDue(owner, limit = 200) {
      const now = clock.now();
      const messages = await claimDueMessages(db, { owner, now, leaseUntil: new Date(now.getTime() + (deps.leaseMs ?? 60_000)), limit });
      if (messages.length === 0) return 0;
      const endpoints = new Map((await findEndpointsByIds(db, [...new Set(messages.map((m) => m.endpoint_id))])).map((e) => [e.id, e]));
      const events = new Map<string, EventRow>();
      for (const tenantId of new Set(messages.map((m) => m.tenant_id))) {
        const ofTenant = [...new Set(messages.filter((m) => m.tenant_id === tenantId).map((m) => m.event_id))];
        for (const e of await findEventsByIds(db, tenantId, ofTenant)) events.set(e.id, e);
      }
      const skipped: Settlement[] = [];
      const sending: Promise<AttemptResult>[] = [];
      for (const message of messages) {
        const endpoint = endpoints.get(message.endpoint_id);
        const event = events.get(message.event_id);
        // Deleted since the claim (endpoint) or never readable (event): nothing to send, and nothing to retry.
        if (!endpoint || !event) skipped.push({ message, status: 'failed', at: now });
        else sending.push(withEndpointSlot(endpoint.id, () => attempt(message, endpoint, event)));
      }
      await record(await Promise.all(sending), skipped, endpoints);
      return messages.length;
    },
  };
}
