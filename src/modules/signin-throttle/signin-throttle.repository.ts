import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ThrottlePolicy } from './signin-throttle.ts';

/**
 * When a key is blocked until after its `failures`-th failure at `now`: not at all within the free failures,
 * then 2^(failures - free - 1) seconds capped by the lock, never earlier than a block already running.
 */
function blockedUntilSql(failures: RawBuilder<number>, previous: RawBuilder<Date | null>, now: Date, policy: ThrottlePolicy) {
  const exponent = sql`least(${failures} - ${policy.freeFailures}::int - 1, 30)`;
  const seconds = sql`least(power(2, ${exponent}), ${policy.maxLockSeconds}::float8)`;
  return sql<Date | null>`case when ${failures} > ${policy.freeFailures}::int
    then greatest(${previous}, ${now}::timestamptz + make_interval(secs => ${seconds}))
    else ${previous} end`;
}

/**
 * Counts one failure of a key in one race-safe statement: parallel failures all count, a window older than the
 * policy's starts again at 1, and the block grows with the count.
 * @returns the count and the block after this failure.
 */
export async function recordSigninFailure(
  db: Kysely<DB>,
  tenantId: string,
  key: string,
  now: Date,
  policy: ThrottlePolicy,
): Promise<{ failures: number; blockedUntil: Date | null }> {
  const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000);
  const expired = sql`signin_failures.window_started_at <= ${windowStart}::timestamptz`;
  const next = sql<number>`(case when ${expired} then 1 else signin_failures.failures + 1 end)`;
  const { rows } = await sql<{ failures: number; blocked_until: Date | null }>`
    insert into signin_failures (tenant_id, key, failures, window_started_at, blocked_until)
    values (${tenantId}, ${key}, 1, ${now}::timestamptz, ${blockedUntilSql(sql<number>`1`, sql<null>`null::timestamptz`, now, policy)})
    on conflict (tenant_id, key) do update set
      failures = ${next},
      window_started_at = case when ${expired} then ${now}::timestamptz else signin_failures.window_started_at end,
      blocked_until = ${blockedUntilSql(next, sql<Date | null>`signin_failures.blocked_until`, now, policy)}
    returning failures, blocked_until`.execute(db);
  const row = rows[0];
  return { failures: row.failures, blockedUntil: row.blocked_until ? new Date(row.blocked_until) : null };
}

/** The latest block among these keys that is still running at `now`, if any. */
export async function findSigninBlock(db: Kysely<DB>, tenantId: string, keys: string[], now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('signin_failures')
    .select((eb) => eb.fn.max('blocked_until').as('until'))
    .where('tenant_id', '=', tenantId)
    .where('key', 'in', keys)
    .where('blocked_until', '>', now)
    .executeTakeFirst();
  return row?.until ? new Date(row.until) : null;
}

/** The counter of one key, for tests and diagnostics. */
export async function findSigninFailures(db: Kysely<DB>, tenantId: string, key: string) {
  return db.selectFrom('signin_failures').selectAll().where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirst();
}

/** Forgets the counters and blocks of these keys; returns how many there were. */
export async function deleteSigninFailures(db: Kysely<DB>, tenantId: string, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await db.deleteFrom('signin_failures').where('tenant_id', '=', tenantId).where('key', 'in', keys).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Drops a tenant's counters whose window is over and whose block has ended: they no longer change anything. */
export async function pruneSigninFailures(db: Kysely<DB>, tenantId: string, olderThan: Date, now: Date): Promise<void> {
  await db
    .deleteFrom('signin_failures')
    .where('tenant_id', '=', tenantId)
    .where('window_started_at', '<', olderThan)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', now)]))
    .execute();
}

/** The counters of these keys, for a user's data export. */
export async function listSigninFailures(db: Kysely<DB>, tenantId: string, keys: string[]) {
  if (keys.length === 0) return [];
  return db.selectFrom('signin_failures').selectAll().where('tenant_id', '=', tenantId).where('key', 'in', keys).orderBy('key').execute();
}
