import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { decodeCursor, encodeCursor } from '../../core/cursor.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { parseEventTypePatterns } from '../events/event-type-patterns.ts';
import { insertEvents } from '../events/events.repository.ts';
import type { EventsService } from '../events/events.service.ts';
import { listAttempts, requeueMessages } from './webhook-deliveries.repository.ts';
import { countMessages, deleteEndpoint, findEndpoint, insertEndpoint, listEndpoints, updateEndpoint } from './webhooks.repository.ts';
import type {
  DeliverySchema,
  ReplaySchema,
  RotatedSecretSchema,
  WebhookCreateSchema,
  WebhookPatchSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './webhooks.schemas.ts';
import type { WebhookAttemptRow, WebhookEndpointRow } from './webhooks.table.ts';
import {
  endpointSealingContext,
  headersProblem,
  newWebhookSecret,
  ROTATION_OVERLAP_MS,
  type WebhookUrlPolicy,
  webhookUrlProblem,
} from './webhooks.ts';

export type WebhookView = Static<typeof WebhookSchema>;
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>;
export type DeliveryView = Static<typeof DeliverySchema>;

export interface WebhooksService {
  /** @throws AppError VALIDATION_FAILED (url, eventTypes, headers) */
  createEndpoint(ctx: ActorContext, input: Static<typeof WebhookCreateSchema>): Promise<WebhookWithSecret>;
  listEndpoints(ctx: ActorContext): Promise<WebhookView[]>;
  /** @throws AppError WEBHOOK_NOT_FOUND */
  getEndpoint(ctx: ActorContext, id: string): Promise<WebhookView>;
  /** @throws AppError WEBHOOK_NOT_FOUND, VALIDATION_FAILED */
  updateEndpoint(ctx: ActorContext, id: string, patch: Static<typeof WebhookPatchSchema>): Promise<WebhookView>;
  /** @throws AppError WEBHOOK_NOT_FOUND */
  deleteEndpoint(ctx: ActorContext, id: string): Promise<void>;
  /** A new secret signs from now on; the old one signs next to it for 24 h. @throws AppError WEBHOOK_NOT_FOUND */
  rotateSecret(ctx: ActorContext, id: string): Promise<Static<typeof RotatedSecretSchema>>;
  /** Queues a `webhook.test` event for this endpoint only. @throws AppError WEBHOOK_NOT_FOUND */
  sendTest(ctx: ActorContext, id: string): Promise<{ eventId: string }>;
  /** Queues delivered or failed messages again. @throws AppError WEBHOOK_NOT_FOUND, VALIDATION_FAILED */
  replay(ctx: ActorContext, id: string, input: Static<typeof ReplaySchema>): Promise<{ queued: number }>;
  /** The delivery log, newest first. @throws AppError WEBHOOK_NOT_FOUND, INVALID_PARAMETER (cursor) */
  listDeliveries(
    ctx: ActorContext,
    id: string,
    page: { cursor?: string; limit?: number },
  ): Promise<{ data: DeliveryView[]; nextCursor: string | null }>;
}

export interface WebhooksDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  secretBox: SecretBox;
  policy: WebhookUrlPolicy;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function notFound(): AppError {
  return new AppError('WEBHOOK_NOT_FOUND');
}

function eventData(row: WebhookEndpointRow) {
  return { endpointId: row.id, url: row.url, eventTypes: row.event_types, enabled: row.enabled };
}

/** Webhook endpoints of a tenant: configuration, secrets, replay and the delivery log. */
export function createWebhooksService(deps: WebhooksDeps): WebhooksService {
  const { db, clock, ids, events, secretBox } = deps;

  function checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, deps.policy);
    if (problem) throw invalidField('url', problem, 'url_not_allowed');
  }

  function sealHeaders(tenantId: string, id: string, headers: Record<string, string> | null | undefined): string | null {
    if (!headers || Object.keys(headers).length === 0) return null;
    const problem = headersProblem(headers);
    if (problem) throw invalidField('headers', problem);
    return secretBox.seal(JSON.stringify(headers), endpointSealingContext(tenantId, id, 'headers'));
  }

  async function view(ctx: ActorContext, row: WebhookEndpointRow, counts?: { pending: number; failed: number }): Promise<WebhookView> {
    const c = counts ?? (await countMessages(db, ctx.tenantId, [row.id])).get(row.id) ?? { pending: 0, failed: 0 };
    const now = clock.now();
    return {
      id: row.id,
      url: row.url,
      description: row.description,
      eventTypes: row.event_types,
      enabled: row.enabled,
      disabledReason: row.disabled_reason,
      headerNames: row.header_names,
      previousSecretValidUntil:
        row.previous_secret_until && row.previous_secret_until > now ? row.previous_secret_until.toISOString() : null,
      pending: c.pending,
      failed: c.failed,
      lastSuccessAt: iso(row.last_success_at),
      lastFailureAt: iso(row.last_failure_at),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  async function existing(ctx: ActorContext, id: string): Promise<WebhookEndpointRow> {
    const row = await findEndpoint(db, ctx.tenantId, id);
    if (!row) throw notFound();
    return row;
  }

  return {
    async createEndpoint(ctx, input) {
      checkUrl(input.url);
      const eventTypes = parseEventTypePatterns(input.eventTypes ?? ['*'], 'eventTypes');
      const id = ids.uuid();
      const secret = newWebhookSecret();
      const now = clock.now();
      const row = await inTransaction(db, async (trx) => {
        const created = await insertEndpoint(trx, ctx.tenantId, {
          id,
          tenant_id: ctx.tenantId,
          url: input.url,
          description: input.description ?? null,
          event_types: eventTypes,
          enabled: input.enabled ?? true,
          disabled_reason: null,
          header_names: Object.keys(input.headers ?? {}),
          headers: sealHeaders(ctx.tenantId, id, input.headers),
          secret: secretBox.seal(secret, endpointSealingContext(ctx.tenantId, id, 'secret')),
          previous_secret: null,
          previous_secret_until: null,
          failing_since: null,
          last_success_at: null,
          last_failure_at: null,
          created_at: now,
          updated_at: now,
        });
        await events.record(trx, ctx, { type: 'webhook.endpoint_created', data: eventData(created) });
        return created;
      });
      return { ...(await view(ctx, row, { pending: 0, failed: 0 })), secret };
    },

    async listEndpoints(ctx) {
      const rows = await listEndpoints(db, ctx.tenantId);
      const counts = await countMessages(
        db,
        ctx.tenantId,
        rows.map((r) => r.id),
      );
      return Promise.all(rows.map((r) => view(ctx, r, counts.get(r.id) ?? { pending: 0, failed: 0 })));
    },

    async getEndpoint(ctx, id) {
      return view(ctx, await existing(ctx, id));
    },

    async updateEndpoint(ctx, id, patch) {
      await existing(ctx, id);
      if (patch.url !== undefined) checkUrl(patch.url);
      const set: Parameters<typeof updateEndpoint>[3] = { updated_at: clock.now() };
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.eventTypes !== undefined) set.event_types = JSON.stringify(parseEventTypePatterns(patch.eventTypes, 'eventTypes'));
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.enabled !== undefined) {
        set.enabled = patch.enabled;
        set.disabled_reason = patch.enabled ? null : 'manual';
        // Re-enabling starts a fresh failure count: the 5-day clock restarts.
        if (patch.enabled) set.failing_since = null;
      }
      if (patch.headers !== undefined) {
        set.headers = sealHeaders(ctx.tenantId, id, patch.headers);
        set.header_names = JSON.stringify(Object.keys(patch.headers ?? {}));
      }
      const row = await inTransaction(db, async (trx) => {
        const updated = await updateEndpoint(trx, ctx.tenantId, id, set);
        if (!updated) throw notFound();
        await events.record(trx, ctx, { type: 'webhook.endpoint_updated', data: eventData(updated) });
        return updated;
      });
      return view(ctx, row);
    },

    async deleteEndpoint(ctx, id) {
      const row = await existing(ctx, id);
      await inTransaction(db, async (trx) => {
        if (!(await deleteEndpoint(trx, ctx.tenantId, id))) throw notFound();
        await events.record(trx, ctx, { type: 'webhook.endpoint_deleted', data: eventData(row) });
      });
    },

    async rotateSecret(ctx, id) {
      const row = await existing(ctx, id);
      const now = clock.now();
      const until = new Date(now.getTime() + ROTATION_OVERLAP_MS);
      const secret = newWebhookSecret();
      await inTransaction(db, async (trx) => {
        const updated = await updateEndpoint(trx, ctx.tenantId, id, {
          secret: secretBox.seal(secret, endpointSealingContext(ctx.tenantId, id, 'secret')),
          // The secret in use until now (re-sealed as is: the same context seals both).
          previous_secret: row.secret,
          previous_secret_until: until,
          updated_at: now,
        });
        if (!updated) throw notFound();
        await events.record(trx, ctx, {
          type: 'webhook.secret_rotated',
          data: { endpointId: id, previousValidUntil: until.toISOString() },
        });
      });
      return { secret, previousSecretValidUntil: until.toISOString() };
    },

    async sendTest(ctx, id) {
      await existing(ctx, id);
      // The rows, not record(): the caller is told the event's id (it is the delivery's `webhook-id`).
      const rows = events.rows(ctx, { type: 'webhook.test', data: { endpointId: id } });
      await insertEvents(db, ctx.tenantId, rows);
      const [event] = rows;
      return { eventId: event.id };
    },

    async replay(ctx, id, input) {
      await existing(ctx, id);
      if (!input.since && !input.eventIds && !input.onlyFailed) {
        throw invalidField('since', 'give since, eventIds or onlyFailed: a replay of everything is not what you meant', 'required');
      }
      const queued = await requeueMessages(db, ctx.tenantId, id, {
        since: input.since ? new Date(input.since) : null,
        eventIds: input.eventIds ?? null,
        onlyFailed: input.onlyFailed ?? false,
        now: clock.now(),
      });
      return { queued };
    },

    async listDeliveries(ctx, id, page) {
      await existing(ctx, id);
      const limit = page.limit ?? 50;
      let beforeSeq: number | null = null;
      if (page.cursor) {
        const parts = decodeCursor(page.cursor);
        const seq = parts?.length === 1 ? parts[0] : null;
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
          throw invalidField('cursor', 'is not a valid cursor', 'invalid_cursor', 'INVALID_PARAMETER');
        }
        beforeSeq = seq;
      }
      const rows = await listAttempts(db, ctx.tenantId, id, { beforeSeq, limit: limit + 1 });
      const data = rows.slice(0, limit);
      const last = data.at(-1);
      return { data: data.map(toDeliveryView), nextCursor: rows.length > limit && last ? encodeCursor([Number(last.seq)]) : null };
    },
  };
}

function toDeliveryView(row: WebhookAttemptRow): DeliveryView {
  return {
    id: String(row.seq),
    messageId: row.message_id,
    eventId: row.event_id,
    attempt: row.attempt,
    attemptedAt: row.started_at.toISOString(),
    statusCode: row.status_code,
    durationMs: row.duration_ms,
    errorKind: row.error_kind,
    responseExcerpt: row.response_excerpt,
    nextAttemptAt: iso(row.next_attempt_at),
  };
}
