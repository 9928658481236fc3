import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/backend.ts';
import { adminQuery, freshStorage, killAll, killCommands, type Run, runNode, type Storage, startServerProcess } from './process.ts';

let storage: Storage;
// Each command opens the storage (PGlite: ~2 s of start-up, more on a loaded machine).
const SLOW = 180_000;

const roster = (...args: string[]): Promise<Run> => runNode(['bin/roster.js', ...args], storage.env);

/** Runs a command that must succeed and print JSON. */
async function rosterJson(...args: string[]): Promise<any> {
  const run = await roster(...args);
  expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout);
}

/** Runs a command that must fail with one clear line on stderr and no stack trace. */
async function rosterFails(args: string[], message: RegExp): Promise<void> {
  const run = await roster(...args);
  expect(run.code, run.stdout).not.toBe(0);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stdout).toBe('');
}

beforeAll(async () => {
  storage = await freshStorage('cli');
});
// A command left running by a failed test must not hold the storage while the next one runs.
afterEach(killCommands);
afterAll(async () => {
  await killAll();
  await storage.cleanup();
});

describe(`roster CLI on ${backend}`, { timeout: SLOW }, () => {
  let keyId: string;
  let secret: string;
  let revokedSecret: string;

  it('applies the migrations', async () => {
    const first = await roster('migrate');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied: 0001-initial/);
    if (storage.schema) {
      // Into the configured schema (ROSTER_DB_SCHEMA), not the default search path.
      const tables = await adminQuery('select table_name from information_schema.tables where table_schema = $1', [storage.schema]);
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['roster_migrations', 'users', 'tenants']));
    }
  });

  it('creates and lists tenants; a duplicate slug fails cleanly', async () => {
    const tenant = await rosterJson('tenants', 'create', '--slug', 'x', '--name', 'X', '--host', 'a.example.com');
    expect(tenant).toMatchObject({ slug: 'x', name: 'X', hosts: ['a.example.com'] });
    await rosterFails(['tenants', 'create', '--slug', 'x', '--name', 'Again'], /^roster: TENANT_SLUG_TAKEN: .*slug/);
    const list = await rosterJson('tenants', 'list');
    expect(list.map((t: { slug: string }) => t.slug)).toEqual(['x']);
    expect(list[0].id).toBe(tenant.id);
  });

  it('creates a brand', async () => {
    const brand = await rosterJson('brands', 'create', '--tenant', 'x', '--slug', 'shop', '--name', 'Shop');
    expect(brand).toMatchObject({ slug: 'shop', name: 'Shop' });
  });

  it('creates keys (the secret shown once), revokes one, lists them without secrets', async () => {
    const key = await rosterJson('keys', 'create', '--tenant', 'x', '--scopes', 'users:read');
    expect(key.secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(key.scopes).toEqual(['users:read']);
    keyId = key.id;
    secret = key.secret;
    const other = await rosterJson('keys', 'create', '--tenant', 'x', '--brand', 'shop', '--name', 'shop key');
    expect(other).toMatchObject({ brand: 'shop', name: 'shop key' });
    revokedSecret = other.secret;

    const revoke = await roster('keys', 'revoke', '--tenant', 'x', other.id);
    expect(revoke.code, revoke.stderr).toBe(0);
    const keys = await rosterJson('keys', 'list', '--tenant', 'x');
    expect(keys.map((k: { id: string }) => k.id).sort()).toEqual([keyId, other.id].sort());
    for (const k of keys) expect(k).not.toHaveProperty('secret');
    expect(keys.find((k: { id: string }) => k.id === keyId).revokedAt).toBeNull();
    expect(keys.find((k: { id: string }) => k.id === other.id).revokedAt).toEqual(expect.any(String));
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    await rosterFails(['keys', 'create', '--tenant', 'x', '--scopes', 'users:read,bogus'], /^roster: VALIDATION_FAILED: .*scopes/);
  });

  it('a key made by the CLI works against a server on the same storage; the revoked one does not', async () => {
    // PGlite: the CLI processes have all exited, so the server may open the directory.
    const server = await startServerProcess(storage);
    const read = await fetch(`${server.url}/v1/users`, { headers: { authorization: `Bearer ${secret}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { data: unknown[] }).data).toEqual([]);
    const write = await fetch(`${server.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com' }),
    });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { code: string }).code).toBe('SCOPE_MISSING');
    const revoked = await fetch(`${server.url}/v1/users`, { headers: { authorization: `Bearer ${revokedSecret}` } });
    expect(revoked.status).toBe(401);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('rotates signing keys: rotate prints the new kid, list shows it, and a server publishes it', async () => {
    const first = await rosterJson('signing-keys', 'rotate');
    expect(first.kid).toMatch(/^[0-9a-f-]{36}$/);
    const second = await rosterJson('signing-keys', 'rotate');
    expect(second.kid).not.toBe(first.kid);
    expect(second.retired).toEqual([first.kid]);
    // The retired key stays listed: it keeps verifying until the last token it signed has expired.
    const list = await rosterJson('signing-keys', 'list');
    const kids = list.keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([first.kid, second.kid]));
    for (const key of list.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const server = await startServerProcess(storage);
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([...kids].sort());
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
