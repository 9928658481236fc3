/** The credentials repository sees only its tenant: another tenant's id finds nothing and changes nothing. */
import { describe, expect, it } from 'vitest';
import {
  deleteCredential,
  findCredential,
  replaceCredentialIfUnchanged,
  upsertCredential,
} from '../../../src/modules/credentials/credentials.repository.ts';
import { insertUserRow, withTwoTenants } from '../../helpers/two-tenants.ts';

const env = withTwoTenants();

async function userOf(tenantId: string, email: string): Promise<string> {
  return (await insertUserRow(env.t, tenantId, { email })).id;
}

describe('credentials repository is tenant-scoped', () => {
  it("another tenant's id neither finds, replaces, deletes nor sets a user's credential", async () => {
    const db = env.t.registry.db;
    const userId = await userOf(env.a.id, 'cred-owner@example.com');
    await upsertCredential(db, env.a.id, userId, 'hash-of-a', 'argon2id', new Date());
    expect((await findCredential(db, env.a.id, userId))?.password_hash).toBe('hash-of-a');

    expect(await findCredential(db, env.b.id, userId)).toBeUndefined();
    expect(await replaceCredentialIfUnchanged(db, env.b.id, userId, 'hash-of-a', 'hash-of-b', new Date())).toBe(false);
    await deleteCredential(db, env.b.id, userId);
    // The user does not exist in tenant b: the credential cannot be attached to it there.
    await expect(upsertCredential(db, env.b.id, userId, 'hash-of-b', 'bcrypt', new Date())).rejects.toThrow();

    const kept = await findCredential(db, env.a.id, userId);
    expect(kept).toMatchObject({ tenant_id: env.a.id, password_hash: 'hash-of-a', hasher: 'argon2id' });
    // In its own tenant the same calls work, so the ones above failed for the tenant, not for the call.
    expect(await replaceCredentialIfUnchanged(db, env.a.id, userId, 'hash-of-a', 'hash-of-a2', new Date())).toBe(true);
    expect((await findCredential(db, env.a.id, userId))?.password_hash).toBe('hash-of-a2');
    await deleteCredential(db, env.a.id, userId);
    expect(await findCredential(db, env.a.id, userId)).toBeUndefined();
  });

  it("a user's credential in one tenant leaves a same-id lookup in the other empty, and both tenants keep their own", async () => {
    const db = env.t.registry.db;
    const inA = await userOf(env.a.id, 'cred-twin@example.com');
    const inB = await userOf(env.b.id, 'cred-twin@example.com');
    await upsertCredential(db, env.a.id, inA, 'twin-a', 'argon2id', new Date());
    await upsertCredential(db, env.b.id, inB, 'twin-b', 'scrypt', new Date());
    expect(await findCredential(db, env.a.id, inB)).toBeUndefined();
    expect(await findCredential(db, env.b.id, inA)).toBeUndefined();
    await deleteCredential(db, env.b.id, inB);
    expect((await findCredential(db, env.a.id, inA))?.password_hash).toBe('twin-a');
    expect(await findCredential(db, env.b.id, inB)).toBeUndefined();
  });
});
