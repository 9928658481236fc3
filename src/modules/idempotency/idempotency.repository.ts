import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * Stored responses are matched on their JSON text, each needle as a whole JSON string (`"42"` with its quotes,
 * inner quotes and backslashes escaped): a short external id must not match every body holding those digits.
 */
function mentionsAny(needles: string[]) {
  return sql<boolean>`(${sql.join(
    needles.map((n) => sql`position(${JSON.stringify(n)} in coalesce(response_body::text, '')) > 0`),
    sql` or `,
  )})`;
}

/** The idempotency records of a tenant whose stored response mentions any of these values (a user's id, email…), as JSON string values. */
export async function listRecordsMentioning(db: Kysely<DB>, tenantId: string, needles: string[]) {
  if (needles.length === 0) return [];
  return db
    .selectFrom('idempotency_keys')
    .select(['key', 'status_code', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where(mentionsAny(needles))
    .orderBy('created_at')
    .execute();
}

/** Forgets the idempotency records whose stored response mentions any of these values; returns how many. */
export async function deleteRecordsMentioning(db: Kysely<DB>, tenantId: string, needles: string[]): Promise<number> {
  if (needles.length === 0) return 0;
  const result = await db.deleteFrom('idempotency_keys').where('tenant_id', '=', tenantId).where(mentionsAny(needles)).executeTakeFirst();
  return Number(result.numDeletedRows);
}
