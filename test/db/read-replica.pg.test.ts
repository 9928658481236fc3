/**
 * DATABASE_READ_URL against a real streaming replica: a private primary cluster, a standby made from it with
 * pg_basebackup on its own port. Lists and counts are served by the standby (they miss a write while replay is
 * paused), lookups by the primary (they see it), and with the standby stopped lists fall back to the primary.
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/children.ts';
import { loadConfig } from '../../src/config.ts';
import type { ActorContext } from '../../src/core/context.ts';
import { createRegistry, type Registry } from '../../src/registry.ts';
import { type PrivateCluster, postgresBinDir, startPrivateCluster } from '../helpers/private-postgres.ts';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;
const asPostgres = (bin: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args));

let primary: PrivateCluster;
let standbyDir: string;
let standbyUrl: string;
let standbyCtl: (...args: string[]) => Promise<unknown>;
let registry: Registry;
let ctx: ActorContext;

async function standbyQuery(text: string): Promise<any[]> {
  const client = new pg.Client({ connectionString: standbyUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  primary = await startPrivateCluster();
  const bin = postgresBinDir() as string;
  standbyDir = mkdtempSync('/tmp/roster-perf-standby-');
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(standbyDir, uid, gid);
  }
  const data = join(standbyDir, 'data');
  await asPostgres(join(bin, 'pg_basebackup'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${standbyDir} -c listen_addresses=127.0.0.1 -c max_connections=40 -c hot_standby=on`;
  standbyCtl = (...args: string[]) => asPostgres(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  await standbyCtl('start', '-w', '-l', join(standbyDir, 'server.log'), '-o', options);
  standbyUrl = `postgres://postgres@127.0.0.1:${port}/roster`;
  registry = await createRegistry(
    loadConfig({
      DATABASE_URL: primary.url,
      DATABASE_READ_URL: standbyUrl,
      ROSTER_ADMIN_TOKEN: 'perf-replica-admin-token-0123',
      LOG_LEVEL: 'silent',
      ROSTER_DB_POOL_SIZE: '4',
      ROSTER_DB_ACQUIRE_TIMEOUT_MS: '2000',
    }),
  );
  const tenant = await registry.tenants.createTenant({ slug: 'replica', name: 'Replica' }, { actor: 'admin', requestId: 'test' });
  ctx = { tenantId: tenant.id, actor: 'test', brand: null, scopes: null, source: null, requestId: 'test' };
  await registry.userChanges.applyUserChange(ctx, { kind: 'create' }, { profile: { email: 'first@example.com' } });
  // The standby has replayed the migrations and the first user.
  await eventually(async () => (await registry.usersQuery.listUsers(ctx, { limit: 10 })).data.length === 1);
}, 180_000);

afterAll(async () => {
  await registry?.close();
  await standbyCtl?.('stop', '-m', 'immediate', '-w').catch(() => {});
  if (standbyDir) rmSync(standbyDir, { recursive: true, force: true });
  await primary?.destroy();
});

describe('DATABASE_READ_URL', () => {
  it('serves lists and counts from the replica and lookups from the primary', async () => {
    await standbyQuery('select pg_wal_replay_pause()');
    try {
      await registry.userChanges.applyUserChange(ctx, { kind: 'create' }, { profile: { email: 'second@example.com' } });
      // A lookup must see the caller's own write: the primary.
      expect((await registry.usersQuery.lookupUser(ctx, { email: 'second@example.com' })).email).toBe('second@example.com');
      const before = registry.reads.served.replica;
      const page = await registry.usersQuery.listUsers(ctx, { limit: 10, count: true });
      // The paused replica has not seen the second user: the list came from it.
      expect(page.data.map((u) => u.email)).toEqual(['first@example.com']);
      expect(page.total).toBe(1);
      // The page carries its counter-based total in its own statement: one read.
      expect(registry.reads.served.replica).toBe(before + 1);
    } finally {
      await standbyQuery('select pg_wal_replay_resume()');
    }
    await eventually(async () => (await registry.usersQuery.listUsers(ctx, { limit: 10, count: true })).total === 2);
  });

  it('falls back to the primary when the replica is down', async () => {
    await standbyCtl('stop', '-m', 'fast', '-w');
    const before = registry.reads.served.primary;
    const page = await registry.usersQuery.listUsers(ctx, { limit: 10, count: true });
    expect(page.total).toBe(2);
    expect(page.data).toHaveLength(2);
    expect(registry.reads.served.primary).toBeGreaterThanOrEqual(before + 1);
  });
});
