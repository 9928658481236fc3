import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CredentialRow, Hasher } from './credentials.table.ts';

/** Sets a user's password hash, replacing any earlier one. */
export async function upsertCredential(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
  passwordHash: string,
  hasher: Hasher,
  now: Date,
): Promise<void> {
  await db
    .insertInto('credentials')
    .values({ tenant_id: tenantId, user_id: userId, password_hash: passwordHash, hasher, updated_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ password_hash: passwordHash, hasher, updated_at: now }))
    .execute();
}

/** Replaces the hash only if it is still the one that was verified (a concurrent password change wins). */
export async function replaceCredentialIfUnchanged(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
  verifiedHash: string,
  passwordHash: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('credentials')
    .set({ password_hash: passwordHash, hasher: 'argon2id', updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('password_hash', '=', verifiedHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function findCredential(db: Kysely<DB>, tenantId: string, userId: string): Promise<CredentialRow | undefined> {
  return db.selectFrom('credentials').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
}

export async function deleteCredential(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('credentials').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}
