import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { likePatternsOf } from './event-type-patterns.ts';
import type { EventRow } from './events.table.ts';
import type { FeedPosition } from './feed-position.ts';

export interface NewEvent {
  id: string;
  type: string;
  userId: string | null;
  actor: string | null;
  source: string | null;
  requestId: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  data: Record<string, unknown> | null;
  createdAt: Date;
}

export interface EventFilter {
  after: FeedPosition;
  type?: string;
  /** Type patterns (`user.*`); see event-type-patterns.ts. */
  types?: string[];
  /**
   * Every event this snapshot sees, the caller's own transaction's included, ignoring the horizon: for a read
   * inside a transaction (export) that is not following the feed.
   */
  everythingVisible?: boolean;
  userId?: string;
  limit: number;
}

/** The stored columns of an event. */
export function eventValues(tenantId: string, e: NewEvent) {
  return {
    id: e.id,
    tenant_id: tenantId,
    type: e.type,
    user_id: e.userId,
    actor: e.actor,
    source: e.source,
    request_id: e.requestId,
    changes: e.changes ? JSON.stringify(e.changes) : null,
    data: e.data ? JSON.stringify(e.data) : null,
    created_at: e.createdAt,
  };
}

/** From this many events on, one JSON parameter carries them all (see insertEvents). */
const BULK_EVENTS = 16;

/**
 * Appends events, in order (their seq follows the array); call inside the transaction of the change they record.
 * A few events go as one multi-row VALUES; a bulk batch (an import's thousand) as one jsonb parameter typed by the
 * events table itself: ten parameters per row would make a statement of 10,000 parameters for PostgreSQL to parse
 * and bind, and for Kysely to compile, on every batch.
 */
export async function insertEvents(db: Kysely<DB>, tenantId: string, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length < BULK_EVENTS) {
    await db
      .insertInto('events')
      .values(events.map((e) => eventValues(tenantId, e)))
      .execute();
    return;
  }
  const payload = JSON.stringify(
    events.map((e) => ({
      id: e.id,
      type: e.type,
      user_id: e.userId,
      actor: e.actor,
      source: e.source,
      request_id: e.requestId,
      changes: e.changes,
      data: e.data,
      created_at: e.createdAt.toISOString(),
    })),
  );
  await sql`
    insert into events (id, tenant_id, type, user_id, actor, source, request_id, changes, data, created_at)
    select r.id, ${tenantId}::uuid, r.type, r.user_id, r.actor, r.source, r.request_id, r.changes, r.data, r.created_at
    from jsonb_populate_recordset(null::events, ${payload}::jsonb) with ordinality as r
    order by r.ordinality`.execute(db);
}

/**
 * Only events of transactions that ended before the oldest one still running: every transaction below that horizon
 * has committed or rolled back, and any transaction still to commit holds a larger id, so nothing can appear later
 * behind a position a reader has passed. The horizon is read in the same statement, hence from the same snapshot.
 */
function belowHorizon<O>(query: SelectQueryBuilder<DB, 'events', O>): SelectQueryBuilder<DB, 'events', O> {
  return query.where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`);
}

function after<O>(query: SelectQueryBuilder<DB, 'events', O>, position: FeedPosition): SelectQueryBuilder<DB, 'events', O> {
  return query.where(sql<boolean>`(txid, seq) > (${position.txid}::xid8, ${position.seq}::bigint)`);
}

/** A tenant's committed events after a feed position, in feed order. */
export async function listEvents(db: Kysely<DB>, tenantId: string, filter: EventFilter): Promise<EventRow[]> {
  const base = db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId);
  let query = after(filter.everythingVisible ? base : belowHorizon(base), filter.after);
  if (filter.type) query = query.where('type', '=', filter.type);
  const like = filter.types ? likePatternsOf(filter.types) : null;
  if (like) {
    query = query.where((eb) =>
      eb.or([
        ...(like.exact.length > 0 ? [eb('type', 'in', like.exact)] : []),
        ...like.prefixes.map((prefix) => eb('type', 'like', prefix)),
      ]),
    );
  }
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  return query.orderBy('txid').orderBy('seq').limit(filter.limit).execute();
}

/**
 * listEvents without the horizon, each row saying whether it is `settled` (below the horizon). Rows are in feed
 * order, so the settled ones are a prefix; the rest are committed events a transaction that began before theirs
 * still holds back (and that transaction may still put events before them).
 */
export async function listEventsSettling(
  db: Kysely<DB>,
  tenantId: string,
  filter: EventFilter,
): Promise<(EventRow & { settled: boolean })[]> {
  let query = after(db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId), filter.after).select(
    sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`.as('settled'),
  );
  if (filter.type) query = query.where('type', '=', filter.type);
  const like = filter.types ? likePatternsOf(filter.types) : null;
  if (like) {
    query = query.where((eb) =>
      eb.or([
        ...(like.exact.length > 0 ? [eb('type', 'in', like.exact)] : []),
        ...like.prefixes.map((prefix) => eb('type', 'like', prefix)),
      ]),
    );
  }
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  return query.orderBy('txid').orderBy('seq').limit(filter.limit).execute();
}

/** An event joined with its tenant's slug, as the feed's followers (webhooks, NATS) read it. */
export type FeedEventRow = EventRow & { tenant_slug: string };

/**
 * Every tenant's committed events after a position, in feed order: the one cross-tenant read, for the platform's
 * feed followers (webhook fan-out, NATS publisher), never for a tenant's caller.
 */
export async function listPlatformFeed(db: Kysely<DB>, position: FeedPosition, limit: number): Promise<FeedEventRow[]> {
  const query = db
    .selectFrom('events')
    .innerJoin('tenants', 'tenants.id', 'events.tenant_id')
    .selectAll('events')
    .select('tenants.slug as tenant_slug')
    .where(sql<boolean>`events.txid < pg_snapshot_xmin(pg_current_snapshot())`)
    .where(sql<boolean>`(events.txid, events.seq) > (${position.txid}::xid8, ${position.seq}::bigint)`)
    .orderBy('events.txid')
    .orderBy('events.seq')
    .limit(limit);
  return query.execute();
}

/** Events of a tenant by id, for a replay. */
export async function findEventsByIds(db: Kysely<DB>, tenantId: string, ids: string[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
}

/**
 * Removes personal data from the events of an erased user: the changes and the data (a provider's subject, an
 * identifier) go, the type and time stay.
 */
export async function scrubUserEvents(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db
    .updateTable('events')
    .set({ changes: null, data: null })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
}
