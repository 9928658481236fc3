import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.ts';
import { uniqueViolation } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import { findUniqueValueOwner } from '../attributes/attributes.repository.ts';
import { findUserByEmail, findUserByExternalId, findUserByPhone, findUserByUsername } from './users.repository.ts';
import type { WritePlan } from './users.write-plan.ts';

/**
 * Turns a unique violation from a user write into the API's conflict error, naming the field and the
 * user who holds the value. Other errors are returned unchanged.
 * Runs outside the failed transaction (it is aborted by then).
 */
export async function toUserConflict(db: Kysely<DB>, tenantId: string, plan: WritePlan, error: unknown): Promise<unknown> {
  const constraint = uniqueViolation(error);
  if (!constraint) return error;
  const u = plan.update;
  if (constraint === 'users_tenant_email_key' && u.email) {
    const holder = await findUserByEmail(db, tenantId, u.email);
    return taken('USER_EMAIL_TAKEN', 'email', holder?.id);
  }
  if (constraint === 'users_tenant_username_key' && u.username) {
    const holder = await findUserByUsername(db, tenantId, u.username);
    return taken('USER_USERNAME_TAKEN', 'username', holder?.id);
  }
  if (constraint === 'users_tenant_phone_key' && u.phone) {
    const holder = await findUserByPhone(db, tenantId, u.phone);
    return taken('USER_PHONE_TAKEN', 'phone', holder?.id);
  }
  if (constraint === 'users_tenant_external_id_key' && u.external_id) {
    const holder = await findUserByExternalId(db, tenantId, u.external_id);
    return taken('USER_EXTERNAL_ID_TAKEN', 'externalId', holder?.id);
  }
  if (constraint === 'unique_attribute_values_pkey') {
    for (const { name, value } of plan.uniqueValues) {
      if (value === null) continue;
      const holder = await findUniqueValueOwner(db, tenantId, name, value);
      if (holder) return taken('ATTRIBUTE_VALUE_TAKEN', `attributes.${name}`, holder);
    }
    return taken('ATTRIBUTE_VALUE_TAKEN', 'attributes', undefined);
  }
  return error;
}

function taken(
  code: 'USER_EMAIL_TAKEN' | 'USER_USERNAME_TAKEN' | 'USER_PHONE_TAKEN' | 'USER_EXTERNAL_ID_TAKEN' | 'ATTRIBUTE_VALUE_TAKEN',
  field: string,
  existingId: string | undefined,
): AppError {
  return new AppError(code, `${field} belongs to another user`, { field, existingId: existingId ?? null }, [
    { field, code: 'taken', message: 'belongs to another user' },
  ]);
}
