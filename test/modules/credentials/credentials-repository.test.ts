/** The credentials repository sees only its tenant: another tenant's id finds nothing and changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds } from '../../../src/core/ids.ts';
import {
  deleteCredential,
  findCredential,
  replaceCredentialIfUnchanged,
  upsertCredential,
} from '../../../src/modules/credentials/credentials.repository.ts';
import { insertUser } from '../../../src/modules/users/users.repository.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  a = await createTenant(t);
  b = await createTenant(t);
});
afterAll(() => t.close());

async function userOf(tenantId: string, email: string): Promise<string> {
  const user = await insertUser(t.registry.db, tenantId, {
    id: randomIds.uuid(),
    email,
    links: {},
    consents: {},
    attributes: {},
    search_text: '',
    created_at: new Date(),
  });
  return user.id;
}

describe('credentials repository is tenant-scoped', () => {
  it("another tenant's id neither finds, replaces, deletes nor sets a user's credential", async () => {
    const db = t.registry.db;
    const userId = await userOf(a.id, 'cred-owner@example.com');
    await upsertCredential(db, a.id, userId, 'hash-of-a', 'argon2id', new Date());
    expect((await findCredential(db, a.id, userId))?.password_hash).toBe('hash-of-a');

    expect(await findCredential(db, b.id, userId)).toBeUndefined();
    expect(await replaceCredentialIfUnchanged(db, b.id, userId, 'hash-of-a', 'hash-of-b', new Date())).toBe(false);
    await deleteCredential(db, b.id, userId);
    // The user does not exist in tenant b: the credential cannot be attached to it there.
    await expect(upsertCredential(db, b.id, userId, 'hash-of-b', 'bcrypt', new Date())).rejects.toThrow();

    const kept = await findCredential(db, a.id, userId);
    expect(kept).toMatchObject({ tenant_id: a.id, password_hash: 'hash-of-a', hasher: 'argon2id' });
    // In its own tenant the same calls work, so the ones above failed for the tenant, not for the call.
    expect(await replaceCredentialIfUnchanged(db, a.id, userId, 'hash-of-a', 'hash-of-a2', new Date())).toBe(true);
    expect((await findCredential(db, a.id, userId))?.password_hash).toBe('hash-of-a2');
    await deleteCredential(db, a.id, userId);
    expect(await findCredential(db, a.id, userId)).toBeUndefined();
  });

  it("a user's credential in one tenant leaves a same-id lookup in the other empty, and both tenants keep their own", async () => {
    const db = t.registry.db;
    const inA = await userOf(a.id, 'cred-twin@example.com');
    const inB = await userOf(b.id, 'cred-twin@example.com');
    await upsertCredential(db, a.id, inA, 'twin-a', 'argon2id', new Date());
    await upsertCredential(db, b.id, inB, 'twin-b', 'scrypt', new Date());
    expect(await findCredential(db, a.id, inB)).toBeUndefined();
    expect(await findCredential(db, b.id, inA)).toBeUndefined();
    await deleteCredential(db, b.id, inB);
    expect((await findCredential(db, a.id, inA))?.password_hash).toBe('twin-a');
    expect(await findCredential(db, b.id, inB)).toBeUndefined();
  });
});
