import type { Kysely, QueryCreator } from 'kysely';
import { withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { UserRow } from './users.table.ts';
import { brandsOfUser, type UserWithBrands } from './users-read.repository.ts';
import { insertValues, type NewUser, USER_UNIQUE, type UserUpdate, updateColumns } from './users-write-parts.ts';

// The users repository: the plain writes live here; reads, the one-statement writes with events and the shared
// statement parts have files of their own, re-exported so that callers keep importing from this module.
export {
  findOrInsertUserWithEvents,
  insertUserIfAbsentWithEvents,
  updateUserAtVersionWithEvents,
} from './users-one-statement.repository.ts';
export {
  brandsOfUser,
  findUserByEmail,
  findUserByExternalId,
  findUserById,
  findUserByIdForUpdate,
  findUserByNumber,
  findUserByPhone,
  findUserByUsername,
  findUsersByEmailOrPhone,
  lockLiveUser,
  type UserWithBrands,
} from './users-read.repository.ts';
export type { NewUser, UserUpdate } from './users-write-parts.ts';

/**
 * Inserts a user.
 * @throws AppError USER_EMAIL_TAKEN, USER_PHONE_TAKEN, USER_EXTERNAL_ID_TAKEN when another user holds the value
 */
export async function insertUser(db: Kysely<DB>, tenantId: string, user: NewUser): Promise<UserRow> {
  return withUniqueRules(USER_UNIQUE, () =>
    db.insertInto('users').values(insertValues(tenantId, user)).returningAll().executeTakeFirstOrThrow(),
  );
}

/** Inserts a user unless one of its unique identifiers is taken; undefined when taken. */
export async function insertUserIfAbsent(db: Kysely<DB>, tenantId: string, user: NewUser): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(insertValues(tenantId, user))
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Writes changed columns and bumps the version; undefined when the user is gone. */
export async function updateUser(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  update: UserUpdate,
  now: Date,
): Promise<UserWithBrands | undefined> {
  return withUniqueRules(USER_UNIQUE, () =>
    userUpdate(db, tenantId, id, update, now).returningAll().returning(brandsOfUser).executeTakeFirst(),
  );
}

function userUpdate(db: QueryCreator<DB>, tenantId: string, id: string, update: UserUpdate, now: Date) {
  return db
    .updateTable('users')
    .set((eb) => ({ ...updateColumns(update, now), version: eb('version', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null);
}

/** Replaces personal data with nulls, keeping an anonymous tombstone. */
export async function eraseUser(db: Kysely<DB>, tenantId: string, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set((eb) => ({
      external_id: null,
      username: null,
      email: null,
      phone: null,
      name: null,
      first_name: null,
      last_name: null,
      birth_date: null,
      gender: null,
      postal_code: null,
      city: null,
      region: null,
      country: null,
      timezone: null,
      locale: null,
      picture: null,
      links: '{}',
      consents: '{}',
      score: null,
      roles: [],
      attributes: '{}',
      search_text: '',
      status: 'deactivated',
      deactivated_at: eb.fn.coalesce('deactivated_at', eb.val(now)),
      erased_at: now,
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
