import type { Kysely, Updateable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { WebhookEndpointRow, WebhookEndpointsTable } from './webhooks.table.ts';

export type NewEndpointRow = Omit<WebhookEndpointRow, 'event_types' | 'header_names'> & { event_types: string[]; header_names: string[] };

/** Stores a new endpoint. */
export async function insertEndpoint(db: Kysely<DB>, tenantId: string, row: NewEndpointRow): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ ...row, tenant_id: tenantId, event_types: JSON.stringify(row.event_types), header_names: JSON.stringify(row.header_names) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One endpoint of the tenant, or undefined. */
export async function findEndpoint(db: Kysely<DB>, tenantId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** The tenant's endpoints, oldest first. */
export async function listEndpoints(db: Kysely<DB>, tenantId: string): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
}

/** Changes an endpoint; undefined when it does not exist. */
export async function updateEndpoint(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  set: Updateable<WebhookEndpointsTable>,
): Promise<WebhookEndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set(set)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes an endpoint with its messages and log; false when it did not exist. */
export async function deleteEndpoint(db: Kysely<DB>, tenantId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Counts of an endpoint's messages by status, for its view. */
export async function countMessages(
  db: Kysely<DB>,
  tenantId: string,
  endpointIds: string[],
): Promise<Map<string, { pending: number; failed: number }>> {
  const out = new Map<string, { pending: number; failed: number }>();
  if (endpointIds.length === 0) return out;
  const rows = await db
    .selectFrom('webhook_messages')
    .select(['endpoint_id', 'status'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('endpoint_id', 'in', endpointIds)
    .where('status', 'in', ['pending', 'failed'])
    .groupBy(['endpoint_id', 'status'])
    .execute();
  for (const row of rows) {
    const counts = out.get(row.endpoint_id) ?? { pending: 0, failed: 0 };
    counts[row.status as 'pending' | 'failed'] = Number(row.n);
    out.set(row.endpoint_id, counts);
  }
  return out;
}
