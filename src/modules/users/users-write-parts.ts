import { type QueryCreator, sql } from 'kysely';
import { taken } from '../../core/error-helpers.ts';
import type { UniqueRules } from '../../db/errors.ts';
import type { eventValues } from '../events/events.repository.ts';
import { userNumberSequence } from '../tenants/tenants.repository.ts';
import type { UserColumns } from './users.ts';

// What the users write statements share: the stored shape of a new or changed user, the meaning of each unique
// constraint, and the event CTEs that let a one-statement write carry its events.

export interface NewUser extends UserColumns {
  id: string;
  links: Record<string, string>;
  consents: Record<string, boolean>;
  attributes: Record<string, unknown>;
  search_text: string;
  created_at: Date;
}

export interface UserUpdate extends UserColumns {
  links?: Record<string, string>;
  consents?: Record<string, boolean>;
  attributes?: Record<string, unknown>;
  search_text?: string;
  status?: string;
  deactivated_at?: Date | null;
}

/** A new user's stored column values, but its number (drawn from the tenant's sequence by the statement). */
export function insertColumns(tenantId: string, user: NewUser): Record<string, unknown> {
  const out: Record<string, unknown> = { tenant_id: tenantId };
  for (const key in user) {
    const value = user[key as keyof NewUser];
    // Kysely leaves out undefined values; compiled-once statements must do the same, or they would write nulls.
    if (value === undefined) continue;
    out[key] = key === 'links' || key === 'consents' || key === 'attributes' ? JSON.stringify(value) : value;
  }
  out.roles = user.roles ?? [];
  out.updated_at = user.created_at;
  return out;
}

export function insertValues(tenantId: string, user: NewUser) {
  return { ...insertColumns(tenantId, user), number: sql<number>`nextval(${userNumberSequence(tenantId)}::regclass)` } as never;
}

/** The params from `first` on, one per key of `record`, as a record for Kysely's values() or set(). */
export function paramsOf(record: Record<string, unknown>, first: number, param: <T>(index: number) => T): Record<string, never> {
  return Object.fromEntries(Object.keys(record).map((key, i) => [key, param(first + i)]));
}

/** The stored values of an update, with its time; the version is bumped by the statement. */
export function updateColumns(update: UserUpdate, now: Date): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in update) {
    const value = update[key as keyof UserUpdate];
    // Kysely leaves out undefined values; compiled-once statements must do the same, or they would write nulls.
    if (value === undefined) continue;
    out[key] = key === 'links' || key === 'consents' || key === 'attributes' ? JSON.stringify(value) : value;
  }
  out.updated_at = now;
  return out;
}

/**
 * What each unique constraint on users means. `existingId` is null here: the statement failed, so its transaction
 * cannot ask who holds the value; the users service fills it in afterwards (users.conflicts.ts).
 */
export const USER_UNIQUE: UniqueRules = {
  users_tenant_email_key: () => taken('USER_EMAIL_TAKEN', 'email', 'belongs to another user', { existingId: null }),
  users_tenant_username_key: () => taken('USER_USERNAME_TAKEN', 'username', 'belongs to another user', { existingId: null }),
  users_tenant_phone_key: () => taken('USER_PHONE_TAKEN', 'phone', 'belongs to another user', { existingId: null }),
  users_tenant_external_id_key: () => taken('USER_EXTERNAL_ID_TAKEN', 'externalId', 'belongs to another user', { existingId: null }),
};

/**
 * Adds one data-modifying CTE per event row to a statement whose CTE `source` returns the changed user:
 * INSERT … SELECT … FROM source, so the events are written exactly when the user row is.
 */
export function withEvents<Q extends QueryCreator<any>>(statement: Q, source: string, rows: Record<string, unknown>[]): Q {
  let out = statement;
  rows.forEach((values, i) => {
    out = out.with(`event_${i}`, (qb) =>
      qb
        .insertInto('events')
        .columns(Object.keys(values) as (keyof ReturnType<typeof eventValues>)[])
        .expression(sql`select ${sql.join(Object.values(values))} from ${sql.table(source)}`),
    ) as unknown as Q;
  });
  return out;
}
