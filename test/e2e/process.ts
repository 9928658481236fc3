/**
 * Helpers for end-to-end tests: real server and CLI processes on their own storage.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../bench/children.ts';
import { backend, testDatabaseUrl } from '../helpers/backend.ts';

// One free-port picker serves the bench and the e2e suites (the child cannot listen on 0 and report it).
export { freePort };

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/** Storage for one scenario on the run's backend: a fresh PGlite directory or a fresh PostgreSQL schema. */
export interface Storage {
  env: Record<string, string>;
  /** The PostgreSQL schema, on that backend. */
  schema?: string;
  cleanup(): Promise<void>;
}

export async function freshStorage(name: string): Promise<Storage> {
  if (backend === 'postgres') {
    const schema = `roster_e2e_${name}_${process.pid}`;
    await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    return {
      schema,
      // Small pool: other suites share the server's connection limit.
      env: { DATABASE_URL: testDatabaseUrl, ROSTER_DB_SCHEMA: schema, ROSTER_DB_POOL_SIZE: '8' },
      cleanup: async () => {
        await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), `roster-e2e-${name}-`));
  return {
    env: { ROSTER_DATA_DIR: dir },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one statement as the test database's owner. */
export async function adminQuery(text: string, values: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The environment of a child: the parent's, without any storage or test settings, plus the given ones. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(DATABASE_URL|ROSTER_|PORT$|HOST$|LOG_LEVEL$)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  output(): string;
}

const running = new Set<ChildProcess>();
const READY_DEADLINE_MS = 90_000;

/**
 * Starts the compiled server as `npm start` runs it (`node --max-semi-space-size=32 dist/main.js`; the global setup
 * built dist/) and waits until /ready answers 200. The deadline is generous: a fresh PGlite directory takes seconds
 * to initialize, many more on a loaded machine.
 */
export async function startServerProcess(storage: Storage): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=32', 'dist/main.js'], {
    cwd: ROOT,
    env: childEnv({ ...storage.env, PORT: String(port), HOST: '127.0.0.1', ROSTER_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const server: ServerProcess = { url: `http://127.0.0.1:${port}`, child, exited, output: () => out };
  const deadline = Date.now() + READY_DEADLINE_MS;
  let ended: number | string | null = null;
  void exited.then((how) => {
    ended = how;
  });
  for (;;) {
    if (ended !== null) throw new Error(`server exited (${ended}) before it was ready:\n${out}`);
    try {
      const res = await fetch(`${server.url}/ready`);
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready within ${READY_DEADLINE_MS} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a finished command printed and how it ended. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const commands = new Set<ChildProcess>();

/**
 * Runs `node <args>` from the repository root with `env` over the test's environment and collects its output. The
 * process is tracked until it ends, so killCommands (after each test) and killAll end one a failed test left behind.
 */
export function runNode(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    commands.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => {
      stdout += c;
    });
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      commands.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Kills every command runNode started that is still running: one left by a failed test must not hold the storage. */
export function killCommands(): void {
  for (const child of commands) child.kill('SIGKILL');
}

/** Kills every server process a test left running (after a failure), and any command still running. */
export async function killAll(): Promise<void> {
  killCommands();
  const children = [...running];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(
    children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))),
  );
}

/** Creates a tenant and an all-scopes key through the admin API. */
export async function createTenantOver(server: ServerProcess, slug: string): Promise<{ id: string; auth: { authorization: string } }> {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const tenant = await fetch(`${server.url}/v1/admin/tenants`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ slug, name: slug }),
  });
  if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${await tenant.text()}`);
  const { id } = (await tenant.json()) as { id: string };
  const key = await fetch(`${server.url}/v1/admin/tenants/${id}/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'e2e' }),
  });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${await key.text()}`);
  const { secret } = (await key.json()) as { secret: string };
  return { id, auth: { authorization: `Bearer ${secret}` } };
}
