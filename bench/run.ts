/**
 * `npm run bench`: Roster on PostgreSQL against the thinnest server doing the same single SQL statement.
 *
 * Starts both as child processes on a fresh schema, creates a tenant and a key through Roster's admin API,
 * seeds users, then for each scenario warms both up and runs autocannon (32 connections) against Roster and
 * the thin server in alternating slices. Prints a table and writes bench/results/latest.json. The servers
 * are stopped however the run ends. Roster runs compiled, as `npm start` runs it (`dist/main.js`, built first
 * when stale; a BENCH_ROSTER_DIR checkout without a build script runs through tsx).
 *
 * The vendor dialects' create/upsert endpoints (tagmango, thanx, publicala, usercom) are compared with the native
 * endpoint each maps to, on the same Roster server, in the same alternating slices and at the same connection count
 * (the "native" target instead of the thin server). Thanx's native counterpart is two requests per iteration
 * (create, then open a session): its req/s counts iterations and its latencies are the two requests' sum.
 *
 * Sign-in and refresh run against Roster only. Sign-in is bound by argon2id, so the run first times
 * password hashes in this process (the production parameters, as many at once as there are cores) and
 * reports sign-in req/s as a share of that hash rate. Refresh tokens are single use: every refresh request
 * takes a live token from a shared pool and puts the one it gets back in, so each session is a chain.
 *
 * Env:
 *   BENCH_DURATION          seconds measured per scenario and server (default 10)
 *   BENCH_WARMUP            seconds of warm-up per scenario and server (default 2)
 *   BENCH_ROUNDS            alternating slices the duration is split into (default 2)
 *   BENCH_DATABASE_URL      else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 *   BENCH_SCHEMA            schema to (re)create (default roster_bench)
 *   BENCH_SEED_USERS        users seeded before measuring (default 10000)
 *   BENCH_SCENARIOS         comma list of find-or-create, lookup, upsert, list, sign-in, refresh, tagmango, thanx,
 *                           publicala, usercom, scim-filter, scim-membership (default all)
 *   BENCH_HASHES            argon2id hashes timed for the hash rate (default 80; 0 skips it)
 *   BENCH_SIGNIN_USERS      users with a password made through the API for sign-in (default 64)
 *   BENCH_SIGNIN_CONNECTIONS  connections for sign-in (default 8: 4 per core; more only lengthen the hash queue)
 *   BENCH_FOC_NEW_SHARE     share of find-or-create requests with a new email (default 0.5)
 *   BENCH_TARGETS           roster,thin,native (default all: native is the dialect scenarios' baseline)
 *   BENCH_CPU_PROF          1|roster, thin or all: CPU profiles into bench/results/prof
 *   BENCH_ROSTER_NODE_ARGS  extra node flags for the Roster child
 *   BENCH_ROSTER_DIR        another checkout to run as Roster (before/after comparisons)
 *   BENCH_THIN_POOL_SIZE    the thin server's pool (default: Roster's, 20)
 *   BENCH_STRICT=1          exit 1 when a target is missed
 * ROSTER_DB_POOL_SIZE and other ROSTER_* variables pass through to Roster.
 *
 * The scenarios are in bench/scenarios/ (users, dialects, sessions), one load run and its slices in measure.ts,
 * the seed in seed.ts, the table and latest.json in report.ts; this file starts the servers and runs the list.
 */

import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { type Child, freePort, startChild, stopAll, waitHealthy } from './children.ts';
import { type HashRate, measureHashRate } from './hash-rate.ts';
import { measure, type Target } from './measure.ts';
import { printTable, type Row, writeReport } from './report.ts';
import { json, type RosterApi, type Scenario } from './scenario.ts';
import { dialectScenarios } from './scenarios/dialects.ts';
import { scimScenarios } from './scenarios/scim.ts';
import { sessionScenarios } from './scenarios/sessions.ts';
import { userScenarios } from './scenarios/users.ts';
import { seed } from './seed.ts';
import {
  ADMIN_TOKEN,
  CONNECTIONS,
  DATABASE_URL,
  DURATION,
  PROFILE,
  PROFILE_THIN,
  ROSTER_DIR,
  ROSTER_NODE_ARGS,
  ROUNDS,
  root,
  SCHEMA,
  SELECTED,
  STRICT,
  TAGMANGO_HOST,
  TARGETS,
  THIN_POOL,
  WARMUP,
} from './settings.ts';

/** In the order the table lists them. */
const SCENARIOS: Scenario[] = [...userScenarios, ...dialectScenarios, ...sessionScenarios, ...scimScenarios];
const env = process.env;

function profileArgs(dir: string, name: string): string[] {
  return ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${join(dir, name)}`];
}

/** How to start the Roster in `dir`: its compiled build (built first when stale), or tsx for a checkout without one. */
async function rosterEntry(dir: string): Promise<string[]> {
  const buildScript = join(dir, 'scripts/build.mjs');
  if (!existsSync(buildScript)) return ['--import', 'tsx', 'src/main.ts'];
  const { ensureBuilt } = (await import(pathToFileURL(buildScript).href)) as typeof import('../scripts/build.mjs');
  await ensureBuilt();
  return ['dist/main.js'];
}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? json : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

interface Servers {
  roster: Child;
  rosterUrl: string;
  thin: Child;
  thinUrl: string;
  secret: string;
}

/** Starts Roster on a fresh schema, makes the bench tenant and key, seeds users, then starts the thin server. */
async function startServers(admin: pg.Client): Promise<Servers> {
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const rosterPort = await freePort();
  const rosterUrl = `http://127.0.0.1:${rosterPort}`;
  const profDir = join(root, 'bench/results/prof');
  if (PROFILE || PROFILE_THIN) mkdirSync(profDir, { recursive: true });
  const roster: Child = startChild(
    'roster',
    [...(PROFILE ? profileArgs(profDir, 'roster') : []), ...ROSTER_NODE_ARGS, ...(await rosterEntry(ROSTER_DIR))],
    {
      ...env,
      NODE_ENV: 'production',
      PORT: String(rosterPort),
      HOST: '127.0.0.1',
      DATABASE_URL,
      ROSTER_DB_SCHEMA: SCHEMA,
      LOG_LEVEL: 'warn',
      ROSTER_ADMIN_TOKEN: ADMIN_TOKEN,
    },
    ROSTER_DIR,
  );
  // Generous: a start-up deadline, not a measurement (a busy machine takes far longer than 30 s).
  await waitHealthy(roster, `${rosterUrl}/ready`, 180_000);
  process.stdout.write(`roster listening on ${rosterUrl} (schema ${SCHEMA})\n`);

  const tenant = await api(rosterUrl, ADMIN_TOKEN, 'POST', '/v1/admin/tenants', {
    slug: 'bench',
    name: 'Bench',
    defaultCountry: 'FR',
    hosts: [TAGMANGO_HOST],
  });
  const { secret } = await api(rosterUrl, ADMIN_TOKEN, 'POST', `/v1/admin/tenants/${tenant.id}/keys`, { name: 'bench' });
  await seed(admin, tenant.id);
  await admin.query(`ANALYZE ${SCHEMA}.users, ${SCHEMA}.events, ${SCHEMA}.user_brands, ${SCHEMA}.api_keys, ${SCHEMA}.tenants`);
  await admin.query('CHECKPOINT').catch(() => {});

  const thinPort = await freePort();
  const thinUrl = `http://127.0.0.1:${thinPort}`;
  const thin = startChild(
    'thin',
    [...(PROFILE_THIN ? profileArgs(profDir, 'thin') : []), '--import', 'tsx', 'bench/thin-server.ts'],
    {
      ...env,
      NODE_ENV: 'production',
      PORT: String(thinPort),
      DATABASE_URL,
      BENCH_SCHEMA: SCHEMA,
      BENCH_TENANT_ID: tenant.id,
      POOL_SIZE: THIN_POOL,
    },
    root,
  );
  await waitHealthy(thin, `${thinUrl}/health`, 180_000);

  return { roster, rosterUrl, thin, thinUrl, secret };
}

/** Measures one scenario on the targets it has and says whether it met its targets. */
async function runScenario(scenario: Scenario, servers: Servers, hashRate: HashRate | null): Promise<Row | null> {
  const { roster, rosterUrl, thin, thinUrl, secret } = servers;
  const rosterHeaders = { authorization: `Bearer ${secret}`, ...json };
  const rosterApi: RosterApi = (method, path, body) => api(rosterUrl, secret, method, path, body);
  const connections = scenario.connections ?? CONNECTIONS;
  const versus = scenario.versus ?? 'thin';
  const targets: (Target & { key: string })[] = [];
  if (TARGETS.has('roster'))
    targets.push({
      key: 'roster',
      name: versus === 'native' ? scenario.key : 'roster',
      server: roster,
      url: rosterUrl,
      headers: scenario.headers?.(secret) ?? rosterHeaders,
      spec: () => [scenario.roster()],
      connections,
    });
  const { thin: thinSpec, native } = scenario;
  if (TARGETS.has('thin') && thinSpec)
    targets.push({ key: 'thin', name: 'thin route', server: thin, url: thinUrl, headers: json, spec: () => [thinSpec()], connections });
  // The native baseline runs on Roster too, with the same connections, alternating with the dialect.
  if (TARGETS.has('native') && native)
    targets.push({ key: 'thin', name: 'native', server: roster, url: rosterUrl, headers: rosterHeaders, spec: native, connections });
  if (targets.length === 0) return null;
  process.stdout.write(`${scenario.key}${connections !== CONNECTIONS ? ` (${connections} connections)` : ''}\n`);
  if (scenario.prepare && TARGETS.has('roster')) await scenario.prepare(rosterApi);
  const measured = await measure(targets);
  const r = measured[targets.findIndex((x) => x.key === 'roster')];
  const t = measured[targets.findIndex((x) => x.key === 'thin')];
  const ratio =
    versus === 'hashes' ? (r && hashRate ? r.reqPerSec / hashRate.hashesPerSecond : null) : r && t ? r.reqPerSec / t.reqPerSec : null;
  let met: boolean | null = null;
  if (r) {
    met = r.non2xx + r.errors + r.timeouts === 0;
    if (scenario.p99Target !== null) met &&= r.p99 < scenario.p99Target;
    if (scenario.ratioTarget !== null) met &&= ratio !== null && ratio >= scenario.ratioTarget;
  }
  return {
    key: scenario.key,
    label: scenario.label,
    connections,
    versus,
    roster: r,
    ...(versus === 'native' ? { native: t } : { thin: t }),
    ratio,
    ratioTarget: scenario.ratioTarget,
    p99Target: scenario.p99Target,
    met,
  };
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  // Before the servers start, so nothing else competes for the cores.
  const hashRate = await measureHashRate();
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const pgVersion = (await admin.query<{ v: string }>('select version() as v')).rows[0].v;
  const servers = await startServers(admin);
  process.stdout.write(
    `\n${CONNECTIONS} connections, ${WARMUP} s warm-up, ${DURATION} s measured per scenario and server in ${ROUNDS} alternating slices\n`,
  );
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    if (SELECTED && !SELECTED.has(scenario.key)) continue;
    const row = await runScenario(scenario, servers, hashRate);
    if (row) rows.push(row);
  }

  // Server-side warnings and errors (LOG_LEVEL=warn): anything here deserves a look.
  const complaintsOf = (child: Child) => child.output.filter((line) => /"level":(40|50|60)/.test(line));
  const complaints = { roster: complaintsOf(servers.roster), thin: complaintsOf(servers.thin) };
  if (!servers.roster.running) throw new Error(`roster died during the run:\n${servers.roster.output.slice(-20).join('\n')}`);
  await stopAll();
  await admin.end();

  printTable(rows, hashRate, complaints);
  const allMet = rows.every((r) => r.met !== false);
  writeReport({ loadAtStart, pgVersion, hashRate, rows, complaints, allMet });
  if (STRICT && !allMet) process.exitCode = 1;
}

main()
  .catch(async (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    // autocannon or a stray handle must not keep the run alive.
    setTimeout(() => process.exit(), 200).unref();
  });
