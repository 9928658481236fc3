/**
 * `npm run bench:console`: time to an interactive users list in the console with 100k users in the tenant, in
 * Debian's Chromium. Seeds the users straight into PostgreSQL (schema `roster_console_bench`, recreated), serves the
 * app in process, signs in with the admin token and measures, per round, from navigation to the first page of rows
 * being on screen (and, separately, from typing a search to its rows).
 */
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pg from 'pg';
import type { CDPSession } from 'playwright-core';
import { ensureConsoleBuilt } from '../scripts/build.mjs';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/core/context.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { userNumberSequence } from '../src/modules/tenants/tenants.repository.ts';
import { searchText } from '../src/modules/users/users.ts';
import { createRegistry } from '../src/registry.ts';
import { launchChromium } from '../test/helpers/chromium.ts';

const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'roster_console_bench';
const USERS = Number(process.env.BENCH_SEED_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** BENCH_TRACE=1: per round, where the time went (server request times, the browser's resource and paint timings). */
const TRACE = process.env.BENCH_TRACE === '1';
/** BENCH_CPU_PROFILE=file.cpuprofile: the page's JavaScript CPU profile of the first (cold) round, for DevTools. */
const PROFILE = process.env.BENCH_CPU_PROFILE;
const TOKEN = 'bench-admin-token-0123456789abcdef';

await ensureConsoleBuilt();
const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
// BENCH_KEEP=1 keeps the seeded schema at the end and reuses it next time (seeding is most of a run's time).
const KEEP = process.env.BENCH_KEEP === '1';
const kept = KEEP
  ? await admin
      .query<{ id: string; users: string }>(
        `SELECT t.id, (SELECT count(*) FROM ${SCHEMA}.users u WHERE u.tenant_id = t.id) AS users FROM ${SCHEMA}.tenants t WHERE t.slug = 'bench'`,
      )
      .then((r) => (Number(r.rows[0]?.users) === USERS ? r.rows[0] : undefined))
      .catch(() => undefined)
  : undefined;
if (!kept) {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.query(`CREATE SCHEMA ${SCHEMA}`);
}
const database = await openDatabase({ url: URL_, dataDir: null, schema: SCHEMA, poolSize: 10 });
await migrateToLatest(database.db);
const config = { ...loadConfig({ ROSTER_ADMIN_TOKEN: TOKEN, LOG_LEVEL: TRACE ? 'info' : 'silent' }), databaseUrl: URL_ };
const registry = await createRegistry(config, { database, migrate: false });
const tenant = kept ? { id: kept.id } : await registry.tenants.createTenant({ slug: 'bench', name: 'Bench' }, CLI_ACTOR);
if (!kept) await seed(tenant.id);

async function seed(tenantId: string): Promise<void> {
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
    [tenantId, `${SCHEMA}.${userNumberSequence(tenantId)}`, USERS, ...cols.map((c) => rows.map((r) => r[c]))],
  );
  await admin.query(`ANALYZE ${SCHEMA}.users`);
  process.stdout.write(`seeded ${USERS} users in ${((Date.now() - seeded) / 1000).toFixed(1)} s\n`);
}

// Under BENCH_TRACE the access log (one line per response, with its ms) is kept and printed per round.
const serverLog: { url: string; status: number; ms: number; at: number }[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string; status?: number; ms?: number };
      if (entry.msg === 'request')
        serverLog.push({ url: String(entry.url), status: Number(entry.status), ms: Number(entry.ms), at: performance.now() });
    }
    done();
  },
});
const app = await buildApp(registry, {
  docs: false,
  console: true,
  ...(TRACE ? { logStream } : {}),
});
await app.listen({ port: 0, host: '127.0.0.1' });
// What `npm start` does in the background once ready (src/server.ts); BENCH_WARMUP=0 leaves it out, to see its effect.
if (process.env.BENCH_WARMUP !== '0') {
  const warming = performance.now();
  await app.warmUp();
  process.stdout.write(`server warm-up ${(performance.now() - warming).toFixed(0)} ms\n`);
}
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const { context, page, close: closeBrowser } = await launchChromium('console-bench');
if (TRACE) {
  // When the 25th row is in the DOM, in the page's own clock (no round trip to this process in the figure).
  await page.addInitScript(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelectorAll('[data-testid=users-table] tbody tr').length >= 25) {
        performance.mark('rows');
        observer.disconnect();
      }
    });
    observer.observe(document, { childList: true, subtree: true });
  });
}
const signIn = await page.request.post(`${base}/console/api/session`, { data: { adminToken: TOKEN } });
if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()}`);

const list: number[] = [];
const search: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // A fresh document each round; the hashed assets come from the browser's cache after the first, as for a returning operator.
  const cdp = PROFILE && round === 0 ? await context.newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const started = performance.now();
  await page.goto(`${base}/console/tenants/${tenant.id}/users`);
  await page.locator('[data-testid=users-table] tbody tr').nth(24).waitFor();
  list.push(performance.now() - started);
  if (cdp) await saveProfile(cdp);
  if (TRACE) await trace(round, started);
  const typed = performance.now();
  await page.getByLabel('Search').fill(`user${9000 + round}`);
  await page.getByRole('link', { name: `Seed User${9000 + round}`, exact: true }).waitFor();
  search.push(performance.now() - typed);
}
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
async function saveProfile(cdp: CDPSession): Promise<void> {
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  writeFileSync(PROFILE as string, JSON.stringify(profile));
  // Self time per script (and V8's own buckets: program, garbage collector), from the samples.
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)?.callFrame;
    const key = frame?.url ? new URL(frame.url).pathname : `(${frame?.functionName.replace(/[()]/g, '') || 'native'})`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    process.stdout.write(`  cpu ${ms.toFixed(0)} ms ${key}\n`);
  }
}
async function trace(round: number, started: number): Promise<void> {
  // A string, not a function: tsx would wrap a function's inner names in a helper the page does not have.
  const timings = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      nav: { responseEnd: Math.round(nav.responseEnd), dcl: Math.round(nav.domContentLoadedEventEnd) },
      rows: Math.round(performance.getEntriesByName('rows')[0]?.startTime ?? NaN),
      resources: performance.getEntriesByType('resource').map((r) => ({
        name: new URL(r.name).pathname + new URL(r.name).search.slice(0, 20),
        start: Math.round(r.startTime),
        firstByte: Math.round(r.responseStart),
        end: Math.round(r.responseEnd),
        kb: Math.round(r.transferSize / 102.4) / 10,
      })),
    };
  })()`)) as {
    nav: { responseEnd: number; dcl: number };
    rows: number;
    resources: { name: string; start: number; firstByte: number; end: number; kb: number }[];
  };
  process.stdout.write(
    `round ${round}: document ${timings.nav.responseEnd} ms, DOMContentLoaded ${timings.nav.dcl} ms, 25 rows ${timings.rows} ms (page clock)\n`,
  );
  for (const r of timings.resources) process.stdout.write(`  ${r.start}→${r.firstByte}→${r.end} ms ${r.kb} KB ${r.name}\n`);
  for (const s of serverLog.filter((e) => e.at >= started)) process.stdout.write(`  server ${s.ms} ms ${s.status} ${s.url}\n`);
}
const fmt = (xs: number[]) =>
  `first ${xs[0]?.toFixed(0)} ms, median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]?.toFixed(0)} ms`;
process.stdout.write(`users list interactive (25 rows of ${USERS}): ${fmt(list)}\n`);
process.stdout.write(`search to rows (250 ms debounce included): ${fmt(search)}\n`);

await closeBrowser();
await app.close();
await registry.close();
await database.close();
if (!KEEP) await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.end();
