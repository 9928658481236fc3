/**
 * The CLI's remote mode (src/cli/users-commands.ts) against a real Roster on a port, through the SDK. Run with tsx
 * (the CLI loads the SDK from source when packages/sdk/dist is not built).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../helpers/app.ts';
import { runImports } from '../helpers/imports.ts';
import { type LiveRoster, startRoster } from './server.ts';

let live: LiveRoster;
const configHome = mkdtempSync(join(tmpdir(), 'sdk-cli-'));
const ROOT = new URL('../..', import.meta.url).pathname;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: configHome, XDG_CONFIG_HOME: configHome, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  // It runs the import worker, which takes every tenant's jobs: a schema of its own on PostgreSQL.
  live = await startRoster({ ownSchema: true });
}, 240_000);
afterAll(() => live?.close(), 240_000);

// Each command is a fresh process under tsx (2–4 s of start-up on a busy machine), a dozen per test.
describe('roster users over the SDK', { timeout: 240_000 }, () => {
  it('creates, gets, finds, updates, lists, deactivates and logs out; exit codes tell failures apart', async () => {
    const env = { ROSTER_URL: live.url, ROSTER_KEY: live.tenant.key };
    const created = await cli(['users', 'create', '--email', 'cli@example.com', '--first-name', 'Cli', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const user = JSON.parse(created.stdout);
    expect(user).toMatchObject({ email: 'cli@example.com', firstName: 'Cli' });

    const got = await cli(['users', 'get', user.id, '--url', live.url, '--key', live.tenant.key, '--json']);
    expect(JSON.parse(got.stdout).id).toBe(user.id);
    const found = await cli(['users', 'find', '--email', 'cli@example.com', '--json'], env);
    expect(JSON.parse(found.stdout).id).toBe(user.id);
    const updated = await cli(['users', 'update', user.id, '--set', 'city=Lima', '--if-match', '1', '--json'], env);
    expect(JSON.parse(updated.stdout)).toMatchObject({ city: 'Lima', version: 2 });
    const stale = await cli(['users', 'update', user.id, '--set', 'city=Quito', '--if-match', '1'], env);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/^roster: PRECONDITION_FAILED: /);

    const table = await cli(['users', 'list'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('cli@example.com');
    expect(table.stdout).not.toContain('\u001b['); // no colours off a terminal
    const deactivated = await cli(['users', 'deactivate', user.id, '--json'], env);
    expect(JSON.parse(deactivated.stdout).status).toBe('deactivated');
    const logout = await cli(['users', 'logout', user.id, '--json'], env);
    expect(JSON.parse(logout.stdout)).toEqual({ revoked: 0 });

    const missing = await cli(['users', 'get', '00000000-0000-7000-8000-000000000000'], env);
    expect(missing.code).toBe(3);
    const badKey = await cli(['users', 'list'], { ROSTER_URL: live.url, ROSTER_KEY: 'x'.repeat(64) });
    expect(badKey.code).toBe(5);
    const nowhere = await cli(['users', 'list']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('roster login');
  });

  it('roster login saves a profile (mode 0600) that later commands use', async () => {
    const login = await cli(['login', '--url', live.url, '--key', live.tenant.key]);
    expect(login.code, login.stderr).toBe(0);
    const file = join(configHome, 'roster', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).profiles.default.url).toBe(live.url);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const list = await cli(['users', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
  });

  it('webhooks create, list, rotate-secret and delete on the remote Roster (no --tenant)', async () => {
    const env = { ROSTER_URL: live.url, ROSTER_KEY: live.tenant.key };
    const created = await cli(['webhooks', 'create', '--endpoint', 'https://hooks.example.com/roster', '--event-type', 'user.*'], env);
    expect(created.code, created.stderr).toBe(0);
    const endpoint = JSON.parse(created.stdout);
    expect(endpoint).toMatchObject({ url: 'https://hooks.example.com/roster', eventTypes: ['user.*'] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = await cli(['webhooks', 'list', '--url', live.url, '--key', live.tenant.key]);
    expect(JSON.parse(listed.stdout).map((w: { id: string }) => w.id)).toContain(endpoint.id);
    const rotated = await cli(['webhooks', 'rotate-secret', endpoint.id], env);
    expect(JSON.parse(rotated.stdout).secret).not.toBe(endpoint.secret);
    const invalid = await cli(['webhooks', 'create', '--endpoint', 'http://hooks.example.com/'], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^roster: VALIDATION_FAILED: .*https/);
    expect(JSON.parse((await cli(['webhooks', 'delete', endpoint.id], env)).stdout)).toEqual({ deleted: endpoint.id });
    expect((await cli(['webhooks', 'delete', endpoint.id], env)).code).toBe(3);
  });

  it('import, imports status and export on the remote Roster through the SDK', async () => {
    const env = { ROSTER_URL: live.url, ROSTER_KEY: live.tenant.key };
    const file = join(configHome, 'users.ndjson');
    writeFileSync(file, '{"email":"imp-cli-1@example.com"}\n{"email":"not an email"}\n{"email":"imp-cli-2@example.com"}\n');
    // The in-process Roster runs no import worker: this test runs its queued jobs while the CLI follows its job.
    let finished = false;
    const running = cli(['import', file], env).finally(() => {
      finished = true;
    });
    while (!finished) {
      await runImports(live.t);
      await new Promise((r) => setTimeout(r, 100));
    }
    const imported = await running;
    expect(imported.code, imported.stderr).toBe(1); // a row failed
    expect(imported.stdout).toMatch(/succeeded/);
    expect(imported.stdout).toContain('invalid_email');
    expect(imported.stdout).not.toContain('\u001b[');
    const id = imported.stderr.match(/import ([0-9a-f-]{36}):/)?.[1];
    expect(id, imported.stderr).toBeDefined();
    const status = await cli(['imports', 'status', id as string], env);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(id);
    const exported = await cli(['export', '--format', 'csv'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.split('\n')[0]).toMatch(/^id,number,externalId,email/);
    expect(exported.stdout).toContain('imp-cli-2@example.com');
    const missing = await cli(['imports', 'status', '00000000-0000-7000-8000-000000000000'], env);
    expect(missing.code).toBe(3);
  });

  it('admin commands (tenants, brands, keys, providers) run on the remote Roster with ROSTER_URL and the admin token', async () => {
    const env = { ROSTER_URL: live.url, ROSTER_ADMIN_TOKEN: ADMIN_TOKEN, ROSTER_DATA_DIR: join(configHome, 'no-local-db') };
    const tenants = await cli(['tenants', 'list'], env);
    expect(tenants.code, tenants.stderr).toBe(0);
    expect(JSON.parse(tenants.stdout).map((x: any) => x.slug)).toContain(live.tenant.slug);

    const brand = await cli(['brands', 'create', '--tenant', live.tenant.slug, '--slug', 'remote-cli', '--name', 'Remote CLI'], env);
    expect(brand.code, brand.stderr).toBe(0);
    expect(JSON.parse(brand.stdout)).toMatchObject({ slug: 'remote-cli' });

    const key = await cli(['keys', 'create', '--tenant', live.tenant.slug, '--name', 'remote', '--scopes', 'users:read'], env);
    expect(key.code, key.stderr).toBe(0);
    const created = JSON.parse(key.stdout);
    expect(created.secret).toEqual(expect.any(String));
    // The new key works on the server it was created on: the command did not write to a local database.
    const me = await fetch(`${live.url}/v1/users?limit=1`, { headers: { authorization: `Bearer ${created.secret}` } });
    expect(me.status).toBe(200);
    const listed = await cli(['keys', 'list', '--tenant', live.tenant.slug], env);
    expect(JSON.parse(listed.stdout).map((k: any) => k.id)).toContain(created.id);
    expect(listed.stdout).not.toContain(created.secret);
    expect((await cli(['keys', 'revoke', created.id, '--tenant', live.tenant.slug], env)).code).toBe(0);
    const revoked = await fetch(`${live.url}/v1/users?limit=1`, { headers: { authorization: `Bearer ${created.secret}` } });
    expect(revoked.status).toBe(401);

    const wrong = await cli(['tenants', 'list'], { ...env, ROSTER_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/^roster: [A-Z_]+: /);
  });

  it('prints bash and zsh completion from the command tree', async () => {
    const bash = await cli(['completion', 'bash']);
    expect(bash.stdout).toContain('complete -F _roster roster');
    expect(bash.stdout).toContain('"users") words="get find list create update deactivate reactivate logout');
    expect((await cli(['completion', 'zsh'])).stdout).toContain('bashcompinit');
    expect((await cli(['completion', 'fish'])).code).toBe(2);
  });
});
