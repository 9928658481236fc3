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
 * Runs the worker's own bookkeeping in a transaction that does not wait for its commit to reach disk
 * (`synchronous_commit = off`). What it writes is derived from events already durable: a crash that loses it loses
 * a queued message or a recorded delivery, which is queued or sent again (at least once holds; a receiver may see a
 * duplicate), never an event. Under load it saves a disk flush on every round.
 */
export async function inWorkerTransaction<T>(db: Kysely<DB>, run: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return inTransaction(db, async (trx) => {
    await sql`SET LOCAL synchronous_commit = off`.execute(trx);
    return run(trx);
  });
}

const ensuredCursors = new WeakMap<Kysely<DB>, Set<string>>();

/**
 * Takes a feed follower's cursor for the caller's transaction, creating it at the start of the feed if new; null
 * when another process holds it (SKIP LOCKED: that process is doing the same work).
 */
export async function lockFeedCursor(trx: Transaction<DB>, name: string, ensuredBy?: Kysely<DB>): Promise<FeedPosition | null> {
  // Once a process has seen the row it stays (nothing deletes cursors): one statement less per round.
  const ensured = ensuredBy ? (ensuredCursors.get(ensuredBy) ?? new Set<string>()) : null;
  if (!ensured?.has(name)) {
    await trx
      .insertInto('feed_cursors')
      .values({ name, lease_owner: null, lease_until: null })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }
  const row = await trx
    .selectFrom('feed_cursors')
    .select(['txid', 'seq'])
    .where('name', '=', name)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (ensuredBy && ensured) {
    ensured.add(name);
    ensuredCursors.set(ensuredBy, ensured);
  }
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
 * Leases up to `limit` due messages to `owner` in one statement: pending, due, not leased (or lease expired), of an
 * enabled endpoint, and the first pending one of their user at their endpoint (a later event of the same user waits
 * while an earlier one is retried), not of `skipEndpoints`. Rows another worker is claiming right now are skipped
 * (FOR UPDATE SKIP LOCKED).
 */
export async function claimDueMessages(
  db: Kysely<DB>,
  claim: { owner: string; now: Date; leaseUntil: Date; limit: number; skipEndpoints?: string[] },
): Promise<WebhookMessageRow[]> {
  const skip = claim.skipEndpoints?.length ? sql`AND m.endpoint_id NOT IN (${sql.join(claim.skipEndpoints)})` : sql``;
  const claimed = await inWorkerTransaction(db, (trx) =>
    sql<WebhookMessageRow>`
    UPDATE webhook_messages AS w SET lease_owner = ${claim.owner}, lease_until = ${claim.leaseUntil}
    FROM (
      SELECT m.id FROM webhook_messages m
      JOIN webhook_endpoints e ON e.id = m.endpoint_id
      WHERE m.status = 'pending' AND m.next_attempt_at <= ${claim.now}
        AND (m.lease_until IS NULL OR m.lease_until <= ${claim.now})
        AND e.enabled ${skip}
        AND (m.user_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM webhook_messages p
          WHERE p.endpoint_id = m.endpoint_id AND p.user_id = m.user_id AND p.status = 'pending'
            AND (p.event_txid, p.event_seq) < (m.event_txid, m.event_seq)))
      ORDER BY m.next_attempt_at, m.event_txid, m.event_seq
      LIMIT ${claim.limit}
      FOR UPDATE OF m SKIP LOCKED
    ) AS due
    WHERE w.id = due.id
    RETURNING w.*`.execute(trx),
  );
  return claimed.rows;
}

/** How one attempt ended a message: delivered, retried later, or failed for good. */
export interface Settlement {
  message: WebhookMessageRow;
  status: 'delivered' | 'pending' | 'failed';
  at: Date;
  nextAttemptAt?: Date;
}

/** Ends a message's attempt: delivered, retried later, or failed for good. Only the lease holder retries it. */
export async function settleMessage(
  db: Kysely<DB>,
  message: WebhookMessageRow,
  outcome: { status: 'delivered' | 'pending' | 'failed'; at: Date; nextAttemptAt?: Date },
): Promise<void> {
  await settleMessages(db, [{ message, ...outcome }]);
}

/**
 * Ends many messages' attempts in one statement. A worker whose lease ran out must not push back a message another
 * worker already delivered or retried, so a retry or a failure applies only while the message is still leased to
 * the same owner; a delivery, though, counts whoever made it.
 */
export async function settleMessages(db: Kysely<DB>, settlements: Settlement[]): Promise<void> {
  if (settlements.length === 0) return;
  const rows = settlements.map(
    (s) =>
      sql`(${s.message.id}::uuid, ${s.status}::text, ${s.at}::timestamptz, ${s.nextAttemptAt ?? s.at}::timestamptz, ${s.message.lease_owner}::text)`,
  );
  await sql`
    UPDATE webhook_messages AS m SET
      status = v.status,
      attempts = m.attempts + 1,
      first_attempt_at = coalesce(m.first_attempt_at, v.at),
      next_attempt_at = v.next_at,
      delivered_at = CASE WHEN v.status = 'delivered' THEN v.at END,
      lease_owner = NULL,
      lease_until = NULL
    FROM (VALUES ${sql.join(rows)}) AS v(id, status, at, next_at, owner)
    WHERE m.id = v.id AND m.status = 'pending'
      AND (v.status = 'delivered' OR m.lease_owner IS NOT DISTINCT FROM v.owner)`.execute(db);
}

export type NewAttempt = Omit<WebhookAttemptsTable, 'seq'>;

/** Appends to the delivery log. */
export async function insertAttempt(db: Kysely<DB>, attempt: NewAttempt): Promise<void> {
  await insertAttempts(db, [attempt]);
}

/** Appends many attempts to the delivery log in one statement. */
export async function insertAttempts(db: Kysely<DB>, attempts: NewAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.insertInto('webhook_attempts').values(attempts).execute();
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

/**
 * When an endpoint last succeeded or failed, and since when it has been failing, after a round of attempts: any
 * success ends the run of failures.
 */
export async function noteEndpointOutcome(
  db: Kysely<DB>,
  endpointId: string,
  outcome: { successAt: Date | null; failureAt: Date | null },
): Promise<void> {
  const { successAt, failureAt } = outcome;
  await db
    .updateTable('webhook_endpoints')
    .set({
      ...(successAt ? { last_success_at: successAt, failing_since: null } : {}),
      ...(failureAt ? { last_failure_at: failureAt } : {}),
      ...(failureAt && !successAt ? { failing_since: sql`coalesce(failing_since, ${failureAt})` } : {}),
    })
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
