import type { Kysely } from 'kysely';
import { taken } from '../../core/error-helpers.ts';
import { AppError } from '../../core/errors.ts';
import type { DB } from '../../db/schema.ts';
import { findUniqueValueOwner } from '../attributes/attributes.repository.ts';
import { findUserByEmail, findUserByExternalId, findUserByPhone, findUserByUsername } from './users.repository.ts';
import type { WritePlan } from './users.write-plan.ts';

/**
 * Names who holds the value a user write found taken. The repositories translate the unique violation
 * (USER_*_TAKEN, ATTRIBUTE_VALUE_TAKEN) but cannot say who holds the value: the failed statement aborted their
 * transaction. This runs after it, on `db`, and returns the error with `existingId` (and, for a unique attribute,
 * the attribute's field). Any other error is returned unchanged.
 */
export async function withValueHolder(db: Kysely<DB>, tenantId: string, plan: WritePlan, error: unknown): Promise<unknown> {
  if (!(error instanceof AppError)) return error;
  const u = plan.update;
  switch (error.code) {
    case 'USER_EMAIL_TAKEN':
      return u.email ? heldBy('USER_EMAIL_TAKEN', 'email', (await findUserByEmail(db, tenantId, u.email))?.id) : error;
    case 'USER_USERNAME_TAKEN':
      return u.username ? heldBy('USER_USERNAME_TAKEN', 'username', (await findUserByUsername(db, tenantId, u.username))?.id) : error;
    case 'USER_PHONE_TAKEN':
      return u.phone ? heldBy('USER_PHONE_TAKEN', 'phone', (await findUserByPhone(db, tenantId, u.phone))?.id) : error;
    case 'USER_EXTERNAL_ID_TAKEN':
      return u.external_id
        ? heldBy('USER_EXTERNAL_ID_TAKEN', 'externalId', (await findUserByExternalId(db, tenantId, u.external_id))?.id)
        : error;
    case 'ATTRIBUTE_VALUE_TAKEN':
      for (const { name, value } of plan.uniqueValues) {
        if (value === null) continue;
        const holder = await findUniqueValueOwner(db, tenantId, name, value);
        if (holder) return heldBy('ATTRIBUTE_VALUE_TAKEN', `attributes.${name}`, holder);
      }
      return error;
    default:
      return error;
  }
}

function heldBy(
  code: 'USER_EMAIL_TAKEN' | 'USER_USERNAME_TAKEN' | 'USER_PHONE_TAKEN' | 'USER_EXTERNAL_ID_TAKEN' | 'ATTRIBUTE_VALUE_TAKEN',
  field: string,
  existingId: string | undefined,
): AppError {
  return taken(code, field, 'belongs to another user', { existingId: existingId ?? null });
}
