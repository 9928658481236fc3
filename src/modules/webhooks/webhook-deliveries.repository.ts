import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { FeedPosition } from '../events/feed-position.ts';
import type {
  WebhookAttemptRow,
  WebhookAttemptsTable,
  WebhookEndpointRow,
  WebhookMessageRow,
  WebhookMessagesTable,
} from './webhooks.table.ts';

/**
 * Takes a feed follower's cursor for the caller's transaction, creating it at the start of the feed if new; null
 * when another process holds it (SKIP LOCKED: that process is doing the same work).
 */
export async function lockFeedCursor(trx: Transaction<DB>, name: string): Promise<FeedPosition | null> {
  await trx
    .insertInto('feed_cursors')
    .values({ name, lease_owner: null, lease_until: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await trx
    .selectFrom('feed_cursors')
    .select(['txid', 'seq'])
    .where('name', '=', name)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row ? { txid: row.txid, seq: Number(row.seq) } : null;
}

/** Moves a feed follower's cursor. */
export async function saveFeedCursor(db: Kysely<DB>, name: string, position: FeedPosition): Promise<void> {
  await db
    .updateTable('feed_cursors')
    .set({ txid: sql`${position.txid}::xid8`, seq: position.seq })
    .where('name', '=', name)
    .execute();
}

/**
 * Takes a follower's lease for `owner` until `until` when it is free or expired (or already `owner`'s); returns the
 * cursor then, null when another owner holds a live lease. For work done outside a transaction (publishing to NATS).
 */
export async function leaseFeedCursor(db: Kysely<DB>, name: string, owner: string, now: Date, until: Date): Promise<FeedPosition | null> {
  await db
    .insertInto('feed_cursors')
    .values({ name, lease_owner: null, lease_until: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .updateTable('feed_cursors')
    .set({ lease_owner: owner, lease_until: until })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now), eb('lease_owner', '=', owner)]))
    .returning(['txid', 'seq'])
    .executeTakeFirst();
  return row ? { txid: row.txid, seq: Number(row.seq) } : null;
}

/** Moves a leased cursor, only while `owner` still holds the lease; false when it lost it. */
export async function advanceLeasedCursor(db: Kysely<DB>, name: string, owner: string, position: FeedPosition): Promise<boolean> {
  const result = await db
    .updateTable('feed_cursors')
    .set({ txid: sql`${position.txid}::xid8`, seq: position.seq })
    .where('name', '=', name)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The enabled endpoints of some tenants (the fan-out's targets). */
export async function enabledEndpointsOf(db: Kysely<DB>, tenantIds: string[]): Promise<WebhookEndpointRow[]> {
  if (tenantIds.length === 0) return [];
  return db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', 'in', tenantIds).where('enabled', '=', true).execute();
}

export type NewMessage = Pick<
  WebhookMessagesTable,
  'id' | 'tenant_id' | 'endpoint_id' | 'event_id' | 'event_txid' | 'event_seq' | 'user_id' | 'next_attempt_at' | 'created_at'
>;

/** Queues messages; one per endpoint and event (a second is ignored). */
export async function insertMessages(db: Kysely<DB>, messages: NewMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto('webhook_messages')
    .values(messages.map((m) => ({ ...m, event_txid: sql<string>`${m.event_txid}::xid8`, status: 'pending' })))
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
    .execute();
}

/**
 * Leases up to `limit` due messages to `owner`: pending, due, not leased (or lease expired), of an enabled endpoint,
 * and the first pending one of their user at their endpoint (a later event of the same user waits while an earlier
 * one is retried). Rows another worker is claiming right now are skipped (FOR UPDATE SKIP LOCKED).
 */
export async function claimDueMessages(
  db: Kysely<DB>,
  claim: { owner: string; now: Date; leaseUntil: Date; limit: number },
): Promise<WebhookMessageRow[]> {
  return inTransaction(db, async (trx) => {
    const due = await sql<{ id: string }>`
      SELECT m.id FROM webhook_messages m
      JOIN webhook_endpoints e ON e.id = m.endpoint_id
      WHERE m.status = 'pending' AND m.next_attempt_at <= ${claim.now}
        AND (m.lease_until IS NULL OR m.lease_until <= ${claim.now})
        AND e.enabled
        AND (m.user_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM webhook_messages p
          WHERE p.endpoint_id = m.endpoint_id AND p.user_id = m.user_id AND p.status = 'pending'
            AND (p.event_txid, p.event_seq) < (m.event_txid, m.event_seq)))
      ORDER BY m.next_attempt_at, m.event_txid, m.event_seq
      LIMIT ${claim.limit}
      FOR UPDATE OF m SKIP LOCKED`.execute(trx);
    if (due.rows.length === 0) return [];
    return trx
      .updateTable('webhook_messages')
      .set({ lease_owner: claim.owner, lease_until: claim.leaseUntil })
      .where(
        'id',
        'in',
        due.rows.map((r) => r.id),
      )
      .returningAll()
      .execute();
  });
}

/** Ends a message's attempt: delivered, retried later, or failed for good. Only the lease holder retries it. */
export async function settleMessage(
  db: Kysely<DB>,
  message: WebhookMessageRow,
  outcome: { status: 'delivered' | 'pending' | 'failed'; at: Date; nextAttemptAt?: Date },
): Promise<void> {
  let query = db
    .updateTable('webhook_messages')
    .set({
      status: outcome.status,
      attempts: sql`attempts + 1`,
      first_attempt_at: sql`coalesce(first_attempt_at, ${outcome.at})`,
      next_attempt_at: outcome.nextAttemptAt ?? outcome.at,
      delivered_at: outcome.status === 'delivered' ? outcome.at : null,
      lease_owner: null,
      lease_until: null,
    })
    .where('id', '=', message.id)
    .where('status', '=', 'pending');
  // A worker whose lease ran out must not push back a message another worker already delivered or retried;
  // a delivery, though, counts whoever made it.
  if (outcome.status !== 'delivered') query = query.where('lease_owner', '=', message.lease_owner);
  await query.execute();
}

/** Appends to the delivery log. */
export async function insertAttempt(db: Kysely<DB>, attempt: Omit<WebhookAttemptsTable, 'seq'>): Promise<void> {
  await db.insertInto('webhook_attempts').values(attempt).execute();
}

/** An endpoint's delivery log, newest first, after a position (`seq`) when paging. */
export async function listAttempts(
  db: Kysely<DB>,
  tenantId: string,
  endpointId: string,
  page: { beforeSeq: number | null; limit: number },
): Promise<WebhookAttemptRow[]> {
  let query = db.selectFrom('webhook_attempts').selectAll().where('tenant_id', '=', tenantId).where('endpoint_id', '=', endpointId);
  if (page.beforeSeq !== null) query = query.where('seq', '<', page.beforeSeq);
  return query.orderBy('seq', 'desc').limit(page.limit).execute();
}

/**
 * Queues an endpoint's messages again (a replay): those of events since `since`, of `eventIds`, or both; only
 * failed ones when asked. Returns how many.
 */
export async function requeueMessages(
  db: Kysely<DB>,
  tenantId: string,
  endpointId: string,
  filter: { since: Date | null; eventIds: string[] | null; onlyFailed: boolean; now: Date },
): Promise<number> {
  let query = db
    .updateTable('webhook_messages')
    .set({ status: 'pending', attempts: 0, first_attempt_at: null, next_attempt_at: filter.now, lease_owner: null, lease_until: null })
    .where('tenant_id', '=', tenantId)
    .where('endpoint_id', '=', endpointId);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.eventIds) query = query.where('event_id', 'in', filter.eventIds);
  query = filter.onlyFailed ? query.where('status', '=', 'failed') : query.where('status', 'in', ['delivered', 'failed']);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** When an endpoint last succeeded or failed, and since when it has been failing. */
export async function noteEndpointOutcome(db: Kysely<DB>, endpointId: string, ok: boolean, at: Date): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set(ok ? { last_success_at: at, failing_since: null } : { last_failure_at: at, failing_since: sql`coalesce(failing_since, ${at})` })
    .where('id', '=', endpointId)
    .execute();
}

/** Endpoints by id, whatever their tenant: the worker's read of the messages it leased. */
export async function findEndpointsByIds(db: Kysely<DB>, ids: string[]): Promise<WebhookEndpointRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', ids).execute();
}

/** Turns an endpoint off (410, or failing for 5 days); false when it already was. */
export async function disableEndpoint(db: Kysely<DB>, endpointId: string, reason: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: reason, updated_at: at })
    .where('id', '=', endpointId)
    .where('enabled', '=', true)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A user's queued and past webhook messages (export). */
export async function listUserMessages(db: Kysely<DB>, tenantId: string, userId: string): Promise<WebhookMessageRow[]> {
  return db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('event_txid')
    .orderBy('event_seq')
    .execute();
}

/** Drops a user's webhook messages (erasure): nothing more is sent about the user. */
export async function deleteUserMessages(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('webhook_messages').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}
