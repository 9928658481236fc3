import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { DB } from '../../db/schema.ts';

/** How long a stored response is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A reservation with no response after this long belongs to a request that died; it may be retried. */
export const ABANDONED_AFTER_MS = 60 * 1000;

export type Reservation =
  | { kind: 'reserved' }
  | { kind: 'replay'; statusCode: number; body: unknown; headers: Record<string, string> }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyStore {
  /** Claims a key for a request fingerprint, or reports what an earlier request with that key left. */
  reserve(tenantId: string, key: string, requestHash: string): Promise<Reservation>;
  /** Stores the response of a reserved key. */
  complete(tenantId: string, key: string, statusCode: number, body: unknown, headers: Record<string, string>): Promise<void>;
  /** Forgets a reservation whose request failed on our side, so a retry can run. */
  release(tenantId: string, key: string): Promise<void>;
}

export function createIdempotencyStore(deps: { db: Kysely<DB>; clock: Clock }): IdempotencyStore {
  const { db, clock } = deps;
  return {
    async reserve(tenantId, key, requestHash) {
      const now = clock.now();
      await db
        .deleteFrom('idempotency_keys')
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .where((eb) =>
          eb.or([
            eb('created_at', '<', new Date(now.getTime() - IDEMPOTENCY_TTL_MS)),
            eb.and([eb('status_code', 'is', null), eb('created_at', '<', new Date(now.getTime() - ABANDONED_AFTER_MS))]),
          ]),
        )
        .execute();
      const inserted = await db
        .insertInto('idempotency_keys')
        .values({
          tenant_id: tenantId,
          key,
          request_hash: requestHash,
          status_code: null,
          response_body: null,
          response_headers: null,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { kind: 'reserved' };
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) return this.reserve(tenantId, key, requestHash);
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.status_code === null) return { kind: 'in_progress' };
      return { kind: 'replay', statusCode: row.status_code, body: row.response_body, headers: row.response_headers ?? {} };
    },
    async complete(tenantId, key, statusCode, body, headers) {
      await db
        .updateTable('idempotency_keys')
        .set({ status_code: statusCode, response_body: JSON.stringify(body ?? null), response_headers: JSON.stringify(headers) })
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .execute();
    },
    async release(tenantId, key) {
      await db
        .deleteFrom('idempotency_keys')
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .where('status_code', 'is', null)
        .execute();
    },
  };
}
