import type { Clock } from '../../core/clock.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { Database, Listener } from '../../db/database.ts';
import type { SessionRow } from './sessions.table.ts';

/** The NOTIFY channel the sessions trigger (migration 0011) announces every changed session on, as `tenant:id`. */
export const SESSIONS_CHANNEL = 'roster_sessions';

/**
 * A per-process cache of session rows for access-token checks. Every update or delete of a session row
 * (revocation of any kind, refresh, eviction) announces its key once committed (the trigger's NOTIFY, or a Redis
 * publish after the commit when REDIS_URL is set), and every process evicts it on receipt; so a revoked session is refused everywhere within the notification's latency.
 * While the listener is down nothing is served from the cache (it is cleared), and entries expire after
 * `ttlMs` in any case.
 */
export interface SessionCache {
  /** The cached row, when it may be trusted. */
  get(tenantId: string, sessionId: string): SessionRow | undefined;
  /** Taken before reading a row from the database; `set` keeps the row only if nothing was invalidated since. */
  stamp(): number;
  set(tenantId: string, sessionId: string, row: SessionRow, stamp: number): void;
  /** Drops one entry (also what a notification does). */
  invalidate(tenantId: string, sessionId: string): void;
  /** Entries held now (metrics). */
  readonly size: number;
  /** Starts listening; until the bus is up the cache holds nothing. @throws the driver's error when LISTEN fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where session changes are announced: the sessions trigger's NOTIFY (`notifySessionBus`) or Redis pub/sub
 * (redis-session-bus.ts). `onState` is told when the subscription is up (true) and when it is lost (false).
 */
export interface SessionBus {
  subscribe(onMessage: (key: string) => void, onState?: (up: boolean) => void): Promise<Listener>;
}

/** The bus of PostgreSQL LISTEN on the channel the sessions trigger notifies at commit. */
export function notifySessionBus(database: Pick<Database, 'listen'>): SessionBus {
  return { subscribe: (onMessage, onState) => database.listen(SESSIONS_CHANNEL, onMessage, onState) };
}

export interface SessionCacheOptions {
  bus: SessionBus;
  clock: Clock;
  /** 0 turns the cache off. */
  ttlMs: number;
  maxEntries?: number;
}

/** Builds a session cache; it caches nothing until `start()` has established the listener. */
export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const cache = new TtlCache<string, SessionRow>({ clock: options.clock, ttlMs: options.ttlMs, maxEntries: options.maxEntries ?? 100_000 });
  let listening = false;
  // Bumped on every invalidation: a row read before one may predate the change it announced.
  let invalidations = 0;
  let listener: Listener | null = null;

  const evict = (key: string) => {
    invalidations++;
    cache.delete(key);
  };

  return {
    get(tenantId, sessionId) {
      return listening ? cache.get(`${tenantId}:${sessionId}`) : undefined;
    },
    stamp: () => invalidations,
    set(tenantId, sessionId, row, stamp) {
      if (listening && stamp === invalidations) cache.set(`${tenantId}:${sessionId}`, row);
    },
    invalidate: (tenantId, sessionId) => evict(`${tenantId}:${sessionId}`),
    get size() {
      return cache.size;
    },
    async start() {
      if (options.ttlMs <= 0 || listener) return;
      listener = await options.bus.subscribe(evict, (up) => {
        // Notifications sent while down are lost: forget everything, and cache again only once listening.
        invalidations++;
        cache.clear();
        listening = up;
      });
    },
    async stop() {
      listening = false;
      cache.clear();
      await listener?.stop();
      listener = null;
    },
  };
}
