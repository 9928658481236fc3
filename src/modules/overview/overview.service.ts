import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { invalidField } from '../../core/errors.ts';
import type { ReadRouting } from '../../db/read-routing.ts';
import type { DB } from '../../db/schema.ts';
import {
  countEventsPerDay,
  countEventsPerType,
  countLiveSessions,
  countWebhookAttemptsPerDay,
  type DayCount,
} from './overview.repository.ts';

/** The event types behind each daily series, as docs/events.md names them. */
export const DAILY_SERIES = {
  usersCreated: 'user.created',
  usersDeactivated: 'user.deactivated',
  usersErased: 'user.erased',
  signIns: 'session.created',
  signInsFailed: 'signin.failed',
} as const;

export type DailySeries = keyof typeof DAILY_SERIES;
export type OverviewDay = { day: string } & Record<DailySeries, number>;
export interface WebhookDay {
  day: string;
  succeeded: number;
  failed: number;
}

/** A tenant's activity over its last `days` UTC days (today included), for the console's charts. */
export interface TenantOverview {
  days: number;
  /** First day counted (YYYY-MM-DD, UTC). */
  from: string;
  /** Today (YYYY-MM-DD, UTC). */
  to: string;
  /** One entry per day from `from` to `to`, zeros included. */
  daily: OverviewDay[];
  totals: Record<DailySeries, number>;
  eventsPerType: { type: string; count: number }[];
  liveSessions: number;
  /** Delivery attempts per day; null when the tenant had none in the window. */
  webhooks: { daily: WebhookDay[]; succeeded: number; failed: number } | null;
}

export const OVERVIEW_MAX_DAYS = 90;
const DAY_MS = 86_400_000;

export interface OverviewService {
  /**
   * Counts the tenant's users created / deactivated / erased, sign-ins and failures per day, events per type, live
   * sessions and webhook delivery attempts over the last `days` days.
   * @throws AppError INVALID_PARAMETER (field `days`) unless 1 ≤ days ≤ 90
   */
  tenantOverview(ctx: ActorContext, days: number): Promise<TenantOverview>;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function countsByDay(rows: DayCount[]): Map<string, Map<string, number>> {
  const byDay = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const day = byDay.get(r.day) ?? new Map<string, number>();
    day.set(r.key, (day.get(r.key) ?? 0) + r.count);
    byDay.set(r.day, day);
  }
  return byDay;
}

export function createOverviewService(deps: { db: Kysely<DB>; clock: Clock; reads: ReadRouting }): OverviewService {
  return {
    async tenantOverview(ctx, days) {
      if (!Number.isInteger(days) || days < 1 || days > OVERVIEW_MAX_DAYS) {
        throw invalidField('days', `must be a whole number from 1 to ${OVERVIEW_MAX_DAYS}`, 'range', 'INVALID_PARAMETER');
      }
      const now = deps.clock.now();
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const since = new Date(today - (days - 1) * DAY_MS);
      const types = Object.values(DAILY_SERIES);
      const [perDay, perType, liveSessions, attempts] = await deps.reads.lagTolerant((db) =>
        Promise.all([
          countEventsPerDay(db, ctx.tenantId, since, types),
          countEventsPerType(db, ctx.tenantId, since),
          countLiveSessions(db, ctx.tenantId, now),
          countWebhookAttemptsPerDay(db, ctx.tenantId, since),
        ]),
      );
      const events = countsByDay(perDay);
      const hooks = countsByDay(attempts);
      const totals = Object.fromEntries(Object.keys(DAILY_SERIES).map((k) => [k, 0])) as Record<DailySeries, number>;
      const daily: OverviewDay[] = [];
      const webhookDaily: WebhookDay[] = [];
      for (let i = 0; i < days; i++) {
        const day = isoDay(new Date(since.getTime() + i * DAY_MS));
        const counts = events.get(day);
        const entry = { day } as OverviewDay;
        for (const [series, type] of Object.entries(DAILY_SERIES) as [DailySeries, string][]) {
          entry[series] = counts?.get(type) ?? 0;
          totals[series] += entry[series];
        }
        daily.push(entry);
        const h = hooks.get(day);
        webhookDaily.push({ day, succeeded: h?.get('succeeded') ?? 0, failed: h?.get('failed') ?? 0 });
      }
      const succeeded = webhookDaily.reduce((n, d) => n + d.succeeded, 0);
      const failed = webhookDaily.reduce((n, d) => n + d.failed, 0);
      return {
        days,
        from: isoDay(since),
        to: isoDay(new Date(today)),
        daily,
        totals,
        eventsPerType: perType,
        liveSessions,
        webhooks: attempts.length > 0 ? { daily: webhookDaily, succeeded, failed } : null,
      };
    },
  };
}
