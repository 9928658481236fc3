/** Passwords: policy, argon2id storage, imports re-hashed on first sign-in, the bounded hashing queue, no leaks. */
import { randomBytes, scryptSync } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../../src/modules/credentials/password-hasher.ts';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { listEvents } from '../../helpers/users.ts';

let t: TestApp;
let tenant: TestTenant;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

function email(): string {
  return `cred${seq++}-${Date.now().toString(36)}@example.com`;
}

function post(payload: Record<string, unknown>) {
  return t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload });
}

function signIn(address: string, password: string) {
  return t.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email: address, password } });
}

async function storedCredential(userId: string) {
  return t.registry.db
    .selectFrom('credentials')
    .selectAll()
    .where('tenant_id', '=', tenant.id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

describe('password policy', () => {
  it.each([
    ['short1', 'too_short'],
    ['x'.repeat(1025), 'too_long'],
    ['password1', 'too_common'],
    ['Baseball', 'too_common'],
    ['12345678', 'too_common'],
  ])('refuses %s as %s, naming the field', async (password, code) => {
    const problem = expectProblem(await post({ email: email(), password }), 422, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'password', code })]);
    expect(JSON.stringify(problem)).not.toContain(password);
  });

  it('lets a tenant accept common passwords (rejectCommonPasswords: false), still within 8 to 1024 characters', async () => {
    const lenient = await createTenant(t, { rejectCommonPasswords: false });
    const make = (password: string) =>
      t.call({ method: 'POST', url: '/v1/users', headers: lenient.auth, payload: { email: email(), password } });
    expect((await make('Abcd1234')).statusCode).toBe(201);
    expectProblem(await make('short1'), 422, 'VALIDATION_FAILED');
    const view = await t.call({ method: 'GET', url: `/v1/admin/tenants/${lenient.id}`, headers: adminAuth() });
    expect(view.json().rejectCommonPasswords).toBe(false);
    expectProblem(await post({ email: email(), password: 'Abcd1234' }), 422, 'VALIDATION_FAILED');
  });

  it('accepts 8 to 1024 characters with no composition rules, counting characters not bytes', async () => {
    for (const password of ['abcdefgh-but-not-common'.slice(0, 8), 'zq'.repeat(512), '🙂🙃😉😊🙂🙃😉😊']) {
      const address = email();
      const res = await post({ email: address, password });
      expect(res.statusCode, res.body).toBe(201);
      expect((await signIn(address, password)).statusCode).toBe(201);
    }
  });

  it('stores argon2id with m=19456, t=2, p=1 and never returns or logs the password in events', async () => {
    const password = 'a quiet evening walk';
    const user = await post({ email: email(), password });
    expect(user.statusCode).toBe(201);
    expect(user.body).not.toContain(password);
    const row = await storedCredential(user.json().id);
    expect(row?.hasher).toBe('argon2id');
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const events = await listEvents(t, tenant, { userId: user.json().id });
    expect(events.map((e) => e.type)).toEqual(['user.created', 'credential.changed']);
    expect(JSON.stringify(events)).not.toContain(password);
    expect(JSON.stringify(events)).not.toContain(row?.password_hash.slice(-20));
  });

  it('takes a password on patch and on upsert by external id, not on find-or-create', async () => {
    const user = (await post({ email: email() })).json();
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: tenant.auth,
      payload: { password: 'first new passphrase' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await signIn(user.email, 'first new passphrase')).statusCode).toBe(201);

    const externalId = `up-${seq++}`;
    const address = email();
    const created = await t.call({
      method: 'PUT',
      url: `/v1/users/by-external-id/${externalId}`,
      headers: tenant.auth,
      payload: { email: address, password: 'upserted passphrase' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await signIn(address, 'upserted passphrase')).statusCode).toBe(201);
    const updated = await t.call({
      method: 'PUT',
      url: `/v1/users/by-external-id/${externalId}`,
      headers: tenant.auth,
      payload: { password: 'second upserted passphrase' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect((await signIn(address, 'upserted passphrase')).statusCode).toBe(401);
    expect((await signIn(address, 'second upserted passphrase')).statusCode).toBe(201);

    const foc = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: tenant.auth,
      payload: { email: email(), password: 'some passphrase' },
    });
    expectProblem(foc, 422, 'VALIDATION_FAILED');
  });
});

describe('imported hashes', () => {
  const password = 'imported from the old system';

  async function importAndSignIn(passwordHash: string, passwordHasher: string): Promise<void> {
    const address = email();
    const created = await post({ email: address, passwordHash, passwordHasher });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect((await storedCredential(id))?.hasher).toBe(passwordHasher);
    expect((await signIn(address, 'not the password at all')).statusCode).toBe(401);
    expect((await storedCredential(id))?.hasher).toBe(passwordHasher);
    const ok = await signIn(address, password);
    expect(ok.statusCode, ok.body).toBe(201);
    const row = await storedCredential(id);
    expect(row?.hasher).toBe('argon2id');
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await signIn(address, password)).statusCode).toBe(201);
    const changed = await listEvents(t, tenant, { type: 'credential.changed', userId: id });
    expect(changed.map((e) => e.data)).toEqual([
      { kind: 'password', hasher: passwordHasher, imported: true },
      { kind: 'password', hasher: 'argon2id', rehashed: true },
    ]);
  }

  it('verifies bcrypt and re-hashes to argon2id', async () => {
    await importAndSignIn(bcrypt.hashSync(password, 4), 'bcrypt');
  });

  it('verifies argon2i and argon2id with other parameters, and re-hashes', async () => {
    await importAndSignIn(await argon2Hash(password, { algorithm: 1, memoryCost: 4096, timeCost: 3, parallelism: 1 }), 'argon2');
    await importAndSignIn(await argon2Hash(password, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 }), 'argon2id');
  });

  it('verifies scrypt in passlib form and re-hashes', async () => {
    const salt = randomBytes(16);
    const derived = scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const passlib = (b: Buffer) => b.toString('base64').replaceAll('+', '.').replace(/=+$/, '');
    await importAndSignIn(`$scrypt$ln=14,r=8,p=1$${passlib(salt)}$${passlib(derived)}`, 'scrypt');
  });

  it('refuses malformed hashes, unknown hashers and a password sent with a hash, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ passwordHash: 'plain text', passwordHasher: 'bcrypt' }, 'passwordHash'],
      [{ passwordHash: '$argon2id$nope', passwordHasher: 'argon2id' }, 'passwordHash'],
      [{ passwordHash: '$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', passwordHasher: 'scrypt' }, 'passwordHash'],
      [{ passwordHash: bcrypt.hashSync('x', 4) }, 'passwordHasher'],
      [{ passwordHasher: 'bcrypt' }, 'passwordHash'],
      [{ password: 'a fine passphrase', passwordHash: bcrypt.hashSync('x', 4), passwordHasher: 'bcrypt' }, 'passwordHash'],
      [{ passwordHash: 'x', passwordHasher: 'md5' }, 'passwordHasher'],
    ];
    for (const [body, field] of cases) {
      const problem = expectProblem(await post({ email: email(), ...body }), 422, 'VALIDATION_FAILED');
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});

describe('hashing queue', () => {
  it('refuses work past the queue with PASSWORD_HASHING_BUSY instead of queueing without bound', async () => {
    const hasher = createPasswordHasher({ concurrency: 1, queueSize: 2 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => hasher.hash('queue test passphrase')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(3);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'PASSWORD_HASHING_BUSY', details: { retryAfterSeconds: 1 } });
    expect(hasher.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('answers 503 with Retry-After over HTTP when the queue is full', async () => {
    const busy = await createTestApp({ config: { hashConcurrency: 1, hashQueueSize: 0 } });
    try {
      const tn = await createTenant(busy);
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          busy.call({
            method: 'POST',
            url: '/v1/users',
            headers: tn.auth,
            payload: { email: `busy${i}@example.com`, password: 'a long enough passphrase' },
          }),
        ),
      );
      const refused = answers.filter((res) => res.statusCode === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(answers.filter((res) => res.statusCode === 201).length).toBeGreaterThan(0);
      for (const res of refused) {
        expectProblem(res, 503, 'PASSWORD_HASHING_BUSY');
        expect(res.headers['retry-after']).toBe('1');
      }
      // A refused create wrote nothing: no half-created user without its password.
      const listed = await busy.call({ method: 'GET', url: '/v1/users', headers: tn.auth, query: { count: 'true' } });
      expect(listed.json().total).toBe(answers.filter((res) => res.statusCode === 201).length);
    } finally {
      await busy.close();
    }
  });
});
