import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { afterCommit } from '../../db/transaction.ts';
import { parseEventTypePatterns } from './event-type-patterns.ts';
import type { Changes, EventInput } from './event-types.ts';
import { type EventFilter, insertEvents, listEventsSettling, type NewEvent } from './events.repository.ts';
import type { EventSchema } from './events.schemas.ts';
import type { EventRow } from './events.table.ts';
import { decodeFeedCursor, encodeFeedCursor, FEED_START } from './feed-position.ts';

export type { Changes, EventInput } from './event-types.ts';

/** An event as the feed shows it; `cursor` is its position (pass it as `after` to resume after it). */
export type EventView = Static<typeof EventSchema>;

/** Field names whose values never enter an event. */
const SECRET_FIELDS = /pass(word)?|secret|token|hash/i;

/** Drops secret values from a change set, keeping the fact that they changed. */
export function redactChanges(changes: Changes): Changes {
  const out: Changes = {};
  for (const [field, change] of Object.entries(changes)) {
    out[field] = SECRET_FIELDS.test(field) ? { before: '[redacted]', after: '[redacted]' } : change;
  }
  return out;
}

export interface EventsService {
  /**
   * Writes events in the caller's transaction. Each type must be a key of EVENT_TYPES and its `data` that type's
   * payload, checked by the compiler.
   */
  record(trx: Kysely<DB>, ctx: ActorContext, ...events: EventInput[]): Promise<void>;
  /** The rows record() would write, for a repository that writes them in the same statement as the change. */
  rows(ctx: ActorContext, ...events: EventInput[]): NewEvent[];
  /**
   * Pages a tenant's committed events in feed order (gap-free: see listEvents). `types` is a comma-separated list
   * of types and wildcards (`user.*`).
   * @throws AppError INVALID_PARAMETER for a malformed cursor or type pattern.
   */
  list(
    ctx: ActorContext,
    query: { after?: string; type?: string; types?: string; userId?: string; limit?: number },
  ): Promise<{ data: EventView[]; nextCursor: string | null }>;
}

export interface EventsDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  /**
   * Told of the events `record` wrote once their transaction has committed (see afterCommit), never after a
   * rollback: what must reach other processes only when the change is visible (session invalidation over Redis).
   */
  onCommitted?: (tenantId: string, events: readonly EventInput[]) => void;
}

/** The events service; what each method throws is on the interface. */
export function createEventsService(deps: EventsDeps): EventsService {
  const { onCommitted } = deps;
  function rows(ctx: ActorContext, events: readonly EventInput[]): NewEvent[] {
    const now = deps.clock.now();
    return events.map((e) => ({
      id: deps.ids.uuid(),
      type: e.type,
      userId: e.userId ?? null,
      actor: ctx.actor,
      source: ctx.source,
      requestId: ctx.requestId,
      changes: e.changes ? redactChanges(e.changes) : null,
      data: (e.data as Record<string, unknown> | null | undefined) ?? null,
      createdAt: now,
    }));
  }

  return {
    async record(trx, ctx, ...events) {
      await insertEvents(trx, ctx.tenantId, rows(ctx, events));
      if (onCommitted) afterCommit(trx, () => onCommitted(ctx.tenantId, events));
    },
    rows: (ctx, ...events) => rows(ctx, events),
    async list(ctx, query) {
      const limit = query.limit ?? 100;
      const after = query.after ? decodeFeedCursor(query.after, 'after') : FEED_START;
      const types = query.types
        ? parseEventTypePatterns(
            query.types.split(',').map((t) => t.trim()),
            'types',
            'INVALID_PARAMETER',
          )
        : undefined;
      const rows = await settledEvents(deps.db, ctx.tenantId, { after, type: query.type, types, userId: query.userId, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map(toEventView),
        nextCursor: rows.length > limit && last ? encodeFeedCursor(last) : null,
      };
    },
  };
}

/** How long a feed read waits for committed events that a transaction still running holds back. */
const SETTLE_WAIT_MS = 1500;
const SETTLE_POLL_MS = 10;

/**
 * The page of events a reader may be given now, gap-free. Committed events past the horizon (held back by a
 * transaction that started before theirs and is still running, usually for a few milliseconds) are waited for,
 * up to SETTLE_WAIT_MS, so a caller reading right after its own write sees it; after that the settled prefix is
 * served and the rest comes with a later read.
 */
async function settledEvents(db: Kysely<DB>, tenantId: string, filter: EventFilter): Promise<EventRow[]> {
  const deadline = Date.now() + SETTLE_WAIT_MS;
  for (;;) {
    const rows = await listEventsSettling(db, tenantId, filter);
    const settled = rows.findIndex((row) => !row.settled);
    if (settled === -1) return rows;
    if (Date.now() >= deadline) return rows.slice(0, settled);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** An event row as the feed (and webhook bodies) show it. */
export function toEventView(row: EventRow): EventView {
  return {
    id: row.id,
    cursor: encodeFeedCursor(row),
    type: row.type,
    tenantId: row.tenant_id,
    userId: row.user_id,
    actor: row.actor,
    source: row.source,
    requestId: row.request_id,
    changes: row.changes,
    data: row.data,
    createdAt: row.created_at.toISOString(),
  };
}
