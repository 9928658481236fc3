import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import type { Ids } from '../../core/ids.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { matchesEventTypes } from '../events/event-type-patterns.ts';
import { findEventsByIds, listPlatformFeed } from '../events/events.repository.ts';
import { type EventsService, toEventView } from '../events/events.service.ts';
import type { EventRow } from '../events/events.table.ts';
import {
  claimDueMessages,
  disableEndpoint,
  enabledEndpointsOf,
  findEndpointsByIds,
  insertAttempt,
  insertMessages,
  lockFeedCursor,
  type NewMessage,
  noteEndpointOutcome,
  saveFeedCursor,
  settleMessage,
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

export interface WebhookDelivery {
  /**
   * Reads committed events after the fan-out's cursor and queues one message per matching enabled endpoint, then
   * moves the cursor, all in one transaction (so a crash queues nothing twice and skips nothing). Returns how many
   * events it read; 0 when there were none or another process is doing it.
   */
  fanOut(limit?: number): Promise<number>;
  /**
   * Leases due messages to `owner`, sends them (in parallel) and records each attempt. Returns how many it sent.
   * Never throws for a receiver's failure; throws when the database fails.
   */
  deliverDue(owner: string, limit?: number): Promise<number>;
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
    await inTransaction(db, async (trx) => {
      if (!(await disableEndpoint(trx, endpoint.id, reason, at))) return;
      await deps.events.record(trx, systemContext(endpoint.tenant_id), {
        type: 'webhook.endpoint_disabled',
        data: { endpointId: endpoint.id, url: endpoint.url, reason, lastError },
      });
    });
  }

  async function attempt(message: WebhookMessageRow, endpoint: WebhookEndpointRow, event: EventRow): Promise<void> {
    const now = clock.now();
    const body = JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: toEventView(event) });
    const headers = { ...headersOf(endpoint), ...signatureHeaders(event.id, now, body, secretsOf(endpoint, now)) };
    const started = performance.now();
    const outcome = await sendWebhook({ url: endpoint.url, headers, body, allowPrivate: deps.allowPrivate, timeoutMs: deps.timeoutMs });
    const durationMs = Math.round(performance.now() - started);
    const verdict = verdictOf(message, outcome, now);
    const ok = verdict.status === 'delivered';
    const errorKind = ok ? null : outcome.ok ? 'http_status' : outcome.kind;
    await insertAttempt(db, {
      tenant_id: endpoint.tenant_id,
      endpoint_id: endpoint.id,
      message_id: message.id,
      event_id: event.id,
      attempt: message.attempts + 1,
      started_at: now,
      status_code: outcome.ok ? outcome.status : outcome.status,
      duration_ms: durationMs,
      error_kind: errorKind,
      response_excerpt: outcome.ok ? outcome.excerpt.slice(0, RESPONSE_LIMIT_BYTES) || null : outcome.message,
      next_attempt_at: verdict.status === 'pending' ? verdict.nextAttemptAt : null,
    });
    await settleMessage(db, message, {
      status: verdict.status,
      at: now,
      nextAttemptAt: verdict.status === 'pending' ? verdict.nextAttemptAt : undefined,
    });
    await noteEndpointOutcome(db, endpoint.id, ok, now);
    const lastError = outcome.ok ? `answered ${outcome.status}` : outcome.message;
    if (verdict.status === 'failed' && verdict.disable) await disable(endpoint, verdict.disable, lastError, now);
    else if (!ok && endpoint.failing_since && now.getTime() - endpoint.failing_since.getTime() >= DISABLE_AFTER_MS) {
      await disable(endpoint, 'failing', lastError, now);
    }
  }

  return {
    async fanOut(limit = 500) {
      return inTransaction(db, async (trx) => {
        const position = await lockFeedCursor(trx, WEBHOOKS_CURSOR);
        if (!position) return 0;
        const feed = await listPlatformFeed(trx, position, limit);
        const last = feed.at(-1);
        if (!last) return 0;
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
        for (let i = 0; i < messages.length; i += 500) await insertMessages(trx, messages.slice(i, i + 500));
        await saveFeedCursor(trx, WEBHOOKS_CURSOR, { txid: last.txid, seq: Number(last.seq) });
        return feed.length;
      });
    },

    async deliverDue(owner, limit = 50) {
      const now = clock.now();
      const messages = await claimDueMessages(db, { owner, now, leaseUntil: new Date(now.getTime() + (deps.leaseMs ?? 60_000)), limit });
      if (messages.length === 0) return 0;
      const endpoints = new Map((await findEndpointsByIds(db, [...new Set(messages.map((m) => m.endpoint_id))])).map((e) => [e.id, e]));
      const events = new Map<string, EventRow>();
      for (const tenantId of new Set(messages.map((m) => m.tenant_id))) {
        const ofTenant = messages.filter((m) => m.tenant_id === tenantId).map((m) => m.event_id);
        for (const e of await findEventsByIds(db, tenantId, ofTenant)) events.set(e.id, e);
      }
      await Promise.all(
        messages.map(async (message) => {
          const endpoint = endpoints.get(message.endpoint_id);
          const event = events.get(message.event_id);
          // Deleted since the claim (endpoint) or never readable (event): nothing to send, and nothing to retry.
          if (!endpoint || !event) return settleMessage(db, message, { status: 'failed', at: now });
          await attempt(message, endpoint, event);
        }),
      );
      return messages.length;
    },
  };
}
