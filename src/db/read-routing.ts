import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

/** How long reads stay on the primary after the replica failed, before the replica is tried again. */
const REPLICA_RETRY_MS = 5_000;

/** Errors that say the replica is not there (refused, reset, timed out, shutting down), not that the query is wrong. */
function isUnavailable(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  // 57P0x: admin shutdown, crash shutdown, cannot connect now; 08xxx: connection exceptions.
  if (/^(57P0[1-3]|08...)$/.test(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout exceeded when trying to connect|Connection terminated/i.test(message);
}

/**
 * Where reads that may lag go: the replica of DATABASE_READ_URL when there is one and it answers, else the
 * primary. A read the replica cannot serve (it is down) runs again on the primary, and the replica is left alone
 * for a few seconds. Only for reads that tolerate lag: lists, searches, counts, exports. Never inside a write.
 */
export interface ReadRouting {
  /** Runs a lag-tolerant read. @throws whatever the read throws on the database that served it. */
  lagTolerant<T>(read: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Reads served by each side since start (metrics, tests). */
  readonly served: { replica: number; primary: number };
}

/** A routing that sends every read to `primary` when `replica` is null. */
export function createReadRouting(primary: Kysely<DB>, replica: Kysely<DB> | null, now: () => number = Date.now): ReadRouting {
  let downUntil = 0;
  const served = { replica: 0, primary: 0 };
  return {
    served,
    async lagTolerant(read) {
      if (replica && now() >= downUntil) {
        try {
          const result = await read(replica);
          served.replica++;
          return result;
        } catch (error) {
          if (!isUnavailable(error)) throw error;
          downUntil = now() + REPLICA_RETRY_MS;
        }
      }
      const result = await read(primary);
      served.primary++;
      return result;
    },
  };
}
