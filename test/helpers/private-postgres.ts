/**
 * A PostgreSQL cluster of the test's own, for tests that make the database fail (terminate backends, restart,
 * stop). It lives in a temp directory under /tmp, listens on a free port of 127.0.0.1 with its socket in that
 * directory, trusts local connections, and runs as the `postgres` OS user when the tests run as root (PostgreSQL
 * refuses to run as root). It never touches the shared server on 5432.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../bench/children.ts';

const run = promisify(execFile);

export interface PrivateCluster {
  /** postgres://postgres@127.0.0.1:<port>/roster */
  url: string;
  port: number;
  /** Ends every connection to the `roster` database (pg_terminate_backend); resolves with how many. */
  terminateBackends(): Promise<number>;
  /** `pg_ctl restart -m fast`; resolves once it accepts connections again. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>;
  /** `pg_ctl start`; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the cluster (immediately) and deletes its directory; safe to call twice. */
  destroy(): Promise<void>;
  /** The server log, for failure messages. */
  log(): string;
}

/** The newest installed PostgreSQL's bin directory, or null when none is installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root, as ourselves otherwise. */
function asPostgres(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const asRoot = process.getuid?.() === 0;
  return asRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);
}

async function ownerIds(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/**
 * Creates, starts and returns a private cluster with an empty `roster` database.
 * @throws when PostgreSQL is not installed or the cluster does not start.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin');
  const dir = mkdtempSync('/tmp/roster-pg-');
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const owner = await ownerIds();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const port = await freePort();
  const ctl = (...args: string[]) => asPostgres(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  // fsync off: every stop in this suite is a clean one (fast shutdown writes everything out), and the machine is shared.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40 -c fsync=off`;
  let destroyed = false;
  const cluster: PrivateCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/roster`,
    port,
    async terminateBackends() {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await client.connect();
      try {
        const { rows } = await client.query(
          "select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = 'roster') t",
        );
        return rows[0].n as number;
      } finally {
        await client.end();
      }
    },
    async restart() {
      await ctl('restart', '-m', 'fast', '-w', '-l', logFile, '-o', serverOptions);
    },
    async stop() {
      await ctl('stop', '-m', 'fast', '-w');
    },
    async start() {
      await ctl('start', '-w', '-l', logFile, '-o', serverOptions);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await ctl('stop', '-m', 'immediate', '-w').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  try {
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    await cluster.start();
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await client.connect();
    await client.query('CREATE DATABASE roster');
    await client.end();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
