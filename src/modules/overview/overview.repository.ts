import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** One UTC day's count of one event type (or delivery outcome). */
export interface DayCount {
  day: string;
  key: string;
  count: number;
}

// Days are UTC calendar days: the same answer whatever the server's or the session's time zone.
const utcDay = (column: string) => sql<string>`to_char(date_trunc('day', ${sql.ref(column)} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;

/**
 * The window's events on (tenant_id, seq), without a (tenant_id, created_at) index (one would cost every event write
 * for one console read): events are written in clock order, so the tenant's last event older than `since`, found by
 * walking the index backwards from the newest, bounds the scan to the window instead of the tenant's whole history.
 * An event committed out of clock order by a few milliseconds at the window's first instant may be left out.
 */
function inWindow(db: Kysely<DB>, tenantId: string, since: Date) {
  const before = db
    .selectFrom('events')
    .select('seq')
    .where('tenant_id', '=', tenantId)
    .where('created_at', '<', since)
    .orderBy('seq', 'desc')
    .limit(1);
  return db
    .selectFrom('events')
    .where('tenant_id', '=', tenantId)
    .where('seq', '>', sql<number>`coalesce((${before}), 0)`)
    .where('created_at', '>=', since);
}

/** Per UTC day and type, the tenant's events of `types` since `since`. */
export async function countEventsPerDay(db: Kysely<DB>, tenantId: string, since: Date, types: readonly string[]): Promise<DayCount[]> {
  if (types.length === 0) return [];
  const rows = await inWindow(db, tenantId, since)
    .select([utcDay('created_at').as('day'), 'type as key', sql<string>`count(*)`.as('count')])
    .where('type', 'in', types)
    .groupBy(['day', 'type'])
    .execute();
  return rows.map((r) => ({ day: r.day, key: r.key, count: Number(r.count) }));
}

/** The tenant's events since `since`, counted per type, most frequent first. */
export async function countEventsPerType(db: Kysely<DB>, tenantId: string, since: Date): Promise<{ type: string; count: number }[]> {
  const rows = await inWindow(db, tenantId, since)
    .select(['type', sql<string>`count(*)`.as('count')])
    .groupBy('type')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('type')
    .execute();
  return rows.map((r) => ({ type: r.type, count: Number(r.count) }));
}

/** Sessions of the tenant neither revoked nor expired at `now` (the partial index on live sessions serves it). */
export async function countLiveSessions(db: Kysely<DB>, tenantId: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('sessions')
    .select(sql<string>`count(*)`.as('count'))
    .where('tenant_id', '=', tenantId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('idle_expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Webhook delivery attempts since `since`, per UTC day: `succeeded` (no error) or `failed`. The log's only index is
 * (tenant_id, endpoint_id, seq), with no time in it: this reads the tenant's whole log (it is not pruned yet), which a
 * (tenant_id, started_at) index would bound if delivery logs grow large.
 */
export async function countWebhookAttemptsPerDay(db: Kysely<DB>, tenantId: string, since: Date): Promise<DayCount[]> {
  const rows = await db
    .selectFrom('webhook_attempts')
    .select([
      utcDay('started_at').as('day'),
      sql<string>`case when error_kind is null then 'succeeded' else 'failed' end`.as('key'),
      sql<string>`count(*)`.as('count'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('started_at', '>=', since)
    .groupBy(['day', 'key'])
    .execute();
  return rows.map((r) => ({ day: r.day, key: r.key, count: Number(r.count) }));
}
