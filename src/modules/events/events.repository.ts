import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventRow } from './events.table.ts';

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
  afterSeq: number;
  type?: string;
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

/** Appends events; call inside the transaction of the change they record. */
export async function insertEvents(db: Kysely<DB>, tenantId: string, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('events')
    .values(events.map((e) => eventValues(tenantId, e)))
    .execute();
}

/** A tenant's events after a sequence number, oldest first. */
export async function listEvents(db: Kysely<DB>, tenantId: string, filter: EventFilter): Promise<EventRow[]> {
  let query = db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('seq', '>', filter.afterSeq);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  return query.orderBy('seq').limit(filter.limit).execute();
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
