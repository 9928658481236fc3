import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  freePort,
  killAll,
  killCommands,
  type Run,
  runNode,
  type ServerProcess,
  type Storage,
  startServerProcess,
} from './process.ts';

// PGlite start-up plus a CLI process per step, on a loaded machine.
const SLOW = 480_000;
let dir: string;
let storage: Storage;
let server: ServerProcess;

const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  runNode(args, { ROSTER_DATA_DIR: dir, LOG_LEVEL: 'warn', ...env });

const roster = (args: string[], env: Record<string, string> = {}) => run(['bin/roster.js', ...args], env);
const withToken = { ROSTER_ADMIN_TOKEN: ADMIN_TOKEN };

async function rosterJson(args: string[], env: Record<string, string> = withToken): Promise<any> {
  const res = await roster(args, env);
  expect(res.code, `${args.join(' ')}\n${res.stderr}`).toBe(0);
  return JSON.parse(res.stdout);
}

/** One clear line on stderr, nothing on stdout, no stack trace. */
function expectRefused(res: Run, message: RegExp): void {
  expect(res.code, res.stdout).not.toBe(0);
  expect(res.stderr).toMatch(message);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
  expect(res.stdout).toBe('');
}

function lockFile(): { pid: number; url: string | null } {
  return JSON.parse(readFileSync(join(dir, 'roster.lock'), 'utf8'));
}

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-e2e-lock-'));
  storage = { env: { ROSTER_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  // Initialized and migrated by the CLI first (which takes and releases the lock): a server then starts within
  // the helper's readiness deadline even on a loaded machine.
  const migrated = await roster(['migrate']);
  expect(migrated.code, migrated.stderr).toBe(0);
  expect(existsSync(join(dir, 'roster.lock'))).toBe(false);
  server = await startServerProcess(storage);
}, SLOW);
afterEach(killCommands);
afterAll(async () => {
  await killAll();
  await storage.cleanup();
});

describe('data directory lock with a running server', { timeout: SLOW }, () => {
  it('names the server’s pid and URL in the lock file', () => {
    expect(lockFile()).toMatchObject({ pid: server.child.pid, url: server.url });
  });

  it('refuses every mutating command without the admin token, saying how, and changes nothing', async () => {
    const how = new RegExp(
      `^roster: DATA_DIR_LOCKED: the server \\(pid ${server.child.pid}\\) holds ${dir}; set ROSTER_ADMIN_TOKEN \\(or pass --admin-token\\) to run this through its API at ${server.url.replaceAll('.', '\\.')}, or stop it\\n$`,
    );
    for (const args of [
      ['tenants', 'create', '--slug', 'nope', '--name', 'Nope'],
      ['keys', 'create', '--tenant', 'nope'],
      ['keys', 'revoke', '--tenant', 'nope', '00000000-0000-7000-8000-000000000000'],
      ['providers', 'delete', '--tenant', 'nope', 'upstream'],
    ]) {
      expectRefused(await roster(args), how);
    }
    expect((await admin('/v1/admin/tenants/nope')).status).toBe(404);
  });

  it('runs tenants, brands, keys and providers commands through the API, seen by the server at once', async () => {
    const tenant = await rosterJson(['tenants', 'create', '--slug', 'acme', '--name', 'Acme', '--host', 'acme.example.com']);
    expect(tenant).toMatchObject({ slug: 'acme', name: 'Acme', hosts: ['acme.example.com'] });
    expect((await (await admin('/v1/admin/tenants/acme')).json()).id).toBe(tenant.id);
    expect(await rosterJson(['brands', 'create', '--tenant', 'acme', '--slug', 'shop', '--name', 'Shop'])).toMatchObject({
      slug: 'shop',
    });

    const key = await rosterJson(['keys', 'create', '--tenant', 'acme', '--scopes', 'users:read,users:write']);
    expect(key.secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(key.scopes).toEqual(['users:read', 'users:write']);
    const users = () => fetch(`${server.url}/v1/users`, { headers: { authorization: `Bearer ${key.secret}` } });
    expect((await users()).status).toBe(200);
    const revoked = await rosterJson(['keys', 'revoke', '--tenant', 'acme', key.id]);
    expect(revoked).toMatchObject({ id: key.id, revokedAt: expect.any(String) });
    expect((await users()).status).toBe(401);
    const keys = await rosterJson(['keys', 'list', '--tenant', 'acme']);
    expect(keys.map((k: { id: string }) => k.id)).toContain(key.id);
    for (const k of keys) expect(k).not.toHaveProperty('secret');

    // The server's own error (here: a provider without its settings) comes back as one line.
    const provider = await roster(
      ['providers', 'create', '--tenant', 'acme', '--name', 'up', '--type', 'http', '--endpoint', 'https://idp.example.com/u/{email}'],
      withToken,
    );
    expectRefused(provider, /^roster: VALIDATION_FAILED: settings\.pointers\.subject/);
    expect(await rosterJson(['providers', 'list', '--tenant', 'acme'])).toEqual([]);

    const viaFlag = await rosterJson(['tenants', 'create', '--slug', 'globex', '--name', 'Globex', '--admin-token', ADMIN_TOKEN], {});
    expect(viaFlag.slug).toBe('globex');
    const list = await rosterJson(['tenants', 'list']);
    expect(list.map((t: { slug: string }) => t.slug).sort()).toEqual(['acme', 'globex']);
  });

  it('passes on a wrong admin token’s error, and refuses commands the API does not have', async () => {
    expectRefused(
      await roster(['tenants', 'list'], { ROSTER_ADMIN_TOKEN: 'wrong-admin-token-0123456789' }),
      /^roster: ADMIN_TOKEN_INVALID: /,
    );
    expectRefused(
      await roster(['migrate'], withToken),
      new RegExp(`^roster: DATA_DIR_LOCKED: the server \\(pid ${server.child.pid}\\) holds .*migrations`),
    );
    expectRefused(
      await roster(['signing-keys', 'rotate'], withToken),
      /^roster: DATA_DIR_LOCKED: .*stop it to run "roster signing-keys rotate"/,
    );
  });

  it('refuses a second server on the same directory', async () => {
    const port = await freePort();
    const second = await run(['--import', 'tsx', 'src/main.ts'], { PORT: String(port), HOST: '127.0.0.1', ...withToken });
    expect(second.code).toBe(1);
    // Fatal errors go through the (redacting) logger, to stdout.
    expect(second.stdout + second.stderr).toContain(`the server (pid ${server.child.pid}) holds ${dir} and serves ${server.url}`);
    expect(lockFile().pid).toBe(server.child.pid);
  });
});

describe('a stale lock', { timeout: SLOW }, () => {
  it('is cleared by the next opener once its server is killed, and a graceful stop removes the lock', async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    expect(lockFile().pid).toBe(server.child.pid);

    // No token needed: the directory is free again, the CLI opens it itself.
    const list = await roster(['tenants', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(
      JSON.parse(list.stdout)
        .map((t: { slug: string }) => t.slug)
        .sort(),
    ).toEqual(['acme', 'globex']);
    expect(existsSync(join(dir, 'roster.lock'))).toBe(false);

    server = await startServerProcess(storage);
    expect(lockFile()).toMatchObject({ pid: server.child.pid, url: server.url });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(existsSync(join(dir, 'roster.lock'))).toBe(false);
  });
});
