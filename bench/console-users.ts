/**
 * `npm run bench:console`: time to an interactive users list in the console with 100k users in the tenant, in
 * Debian's Chromium. Seeds the users straight into PostgreSQL (schema `roster_console_bench`, recreated), serves the
 * app in process, signs in with the admin token and measures, per round, from navigation to the first page of rows
 * being on screen (and, separately, from typing a search to its rows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { ensureConsoleBuilt } from '../scripts/build.mjs';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/core/context.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { userNumberSequence } from '../src/modules/tenants/tenants.repository.ts';
import { searchText } from '../src/modules/users/users.ts';
import { createRegistry } from '../src/registry.ts';

const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'roster_console_bench';
const USERS = Number(process.env.BENCH_SEED_USERS ?? 100_000);
const ROUNDS = 5;
const TOKEN = 'bench-admin-token-0123456789abcdef';

await ensureConsoleBuilt();
const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.query(`CREATE SCHEMA ${SCHEMA}`);
const database = await openDatabase({ url: URL_, dataDir: null, schema: SCHEMA, poolSize: 10 });
await migrateToLatest(database.db);
const config = { ...loadConfig({ ROSTER_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent' }), databaseUrl: URL_ };
const registry = await createRegistry(config, { database, migrate: false });
const tenant = await registry.tenants.createTenant({ slug: 'bench', name: 'Bench' }, CLI_ACTOR);

const seeded = Date.now();
const rows = Array.from({ length: USERS }, (_, i) => {
  const user = {
    external_id: `ext-${i}`,
    email: `seed${i}@example.com`,
    phone: null,
    first_name: 'Seed',
    last_name: `User${i}`,
    name: `Seed User${i}`,
  };
  return { ...user, search_text: searchText(user) };
});
const cols = ['external_id', 'email', 'first_name', 'last_name', 'name', 'search_text'] as const;
await admin.query(
  `INSERT INTO ${SCHEMA}.users (tenant_id, id, number, ${cols.join(', ')}, created_at, updated_at)
   SELECT $1, gen_random_uuid(), nextval($2::regclass), ${cols.map((c) => `s.${c}`).join(', ')},
          now() - make_interval(secs => $3 - (s.n - 1)), now() - make_interval(secs => $3 - (s.n - 1))
   FROM unnest(${cols.map((_, i) => `$${i + 4}::text[]`).join(', ')}) WITH ORDINALITY AS s(${cols.join(', ')}, n)`,
  [tenant.id, `${SCHEMA}.${userNumberSequence(tenant.id)}`, USERS, ...cols.map((c) => rows.map((r) => r[c]))],
);
await admin.query(`ANALYZE ${SCHEMA}.users`);
process.stdout.write(`seeded ${USERS} users in ${((Date.now() - seeded) / 1000).toFixed(1)} s\n`);

const app = await buildApp(registry, { docs: false, console: true });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const profile = mkdtempSync(join(tmpdir(), 'console-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
const signIn = await page.request.post(`${base}/console/api/session`, { data: { adminToken: TOKEN } });
if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()}`);

const list: number[] = [];
const search: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // A fresh document each round; the hashed assets come from the browser's cache after the first, as for a returning operator.
  const started = performance.now();
  await page.goto(`${base}/console/tenants/${tenant.id}/users`);
  await page.locator('[data-testid=users-table] tbody tr').nth(24).waitFor();
  list.push(performance.now() - started);
  const typed = performance.now();
  await page.getByLabel('Search').fill(`user${9000 + round}`);
  await page.getByRole('link', { name: `Seed User${9000 + round}`, exact: true }).waitFor();
  search.push(performance.now() - typed);
}
const fmt = (xs: number[]) =>
  `first ${xs[0]?.toFixed(0)} ms, median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]?.toFixed(0)} ms`;
process.stdout.write(`users list interactive (25 rows of ${USERS}): ${fmt(list)}\n`);
process.stdout.write(`search to rows (250 ms debounce included): ${fmt(search)}\n`);

await context.close();
rmSync(profile, { recursive: true, force: true });
await app.close();
await registry.close();
await database.close();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.end();
