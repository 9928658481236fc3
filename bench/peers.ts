/**
 * `npm run bench:peers`: Roster against better-auth 1.7 (the TypeScript peer) on the same PostgreSQL server.
 *
 * Both run as child processes: Roster compiled on a fresh schema (as `npm run bench`), better-auth
 * (bench/peer-better-auth.ts: email + password, admin plugin, argon2id with Roster's parameters, rate limiting off)
 * on its own, freshly created database. Each gets the same users: BENCH_SEED_USERS (default 100k) inserted in SQL
 * the way each stores them, plus BENCH_SIGNIN_USERS made through its own API with a password (one hash each); then
 * ANALYZE on both (fresh statistics). Three scenarios, each measured in alternating slices (measure.ts):
 *   session  GET /v1/me (bearer access token) vs GET /api/auth/get-session (session cookie), 32 connections
 *   sign-in  POST /v1/sessions vs POST /api/auth/sign-in/email, password, BENCH_SIGNIN_CONNECTIONS (8)
 *   list     GET /v1/users?limit=50&count=true vs GET /api/auth/admin/list-users?limit=50 (first page + exact
 *            total, as an admin), 32 connections
 * Prints req/s, latencies and the ratio Roster / better-auth; writes bench/results/peers.json.
 *
 * Env: BENCH_DURATION (default 6 s per scenario and server), BENCH_ROUNDS (3), BENCH_WARMUP (1),
 * BENCH_SEED_USERS (100000), BENCH_SIGNIN_USERS (64), BENCH_PEER_SCENARIOS (session,sign-in,list),
 * BENCH_DATABASE_URL, BENCH_SCHEMA (roster_peers), BENCH_PEER_DATABASE (roster_peer_better_auth).
 */
import './peers-env.ts';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { RequestSpec } from 'autocannon';
import pg from 'pg';
import { type Child, freePort, startChild, stopAll, waitHealthy } from './children.ts';
import { type Measurement, measure } from './measure.ts';
import { call, startRosterServer } from './roster-server.ts';
import { dynamic, json } from './scenario.ts';
import { seed } from './seed.ts';
import {
  CONNECTIONS,
  DATABASE_URL,
  DURATION,
  ROUNDS,
  root,
  SCHEMA,
  SEED_USERS,
  SIGNIN_CONNECTIONS,
  SIGNIN_PASSWORD,
  SIGNIN_USERS,
  WARMUP,
} from './settings.ts';

const env = process.env;
const PEER_DB = env.BENCH_PEER_DATABASE ?? 'roster_peer_better_auth';
const SELECTED = new Set((env.BENCH_PEER_SCENARIOS ?? 'session,sign-in,list').split(','));
const signinEmail = (i: number) => `signin${i}@bench.example`;

/** Runs `work` for 0..n-1, `width` at a time. */
async function each(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

interface Side {
  child: Child;
  url: string;
  headers: Record<string, string>;
  session: () => RequestSpec;
  signIn: () => RequestSpec;
  list: () => RequestSpec;
}

async function startRoster(admin: pg.Client): Promise<Side> {
  const { child, url, tenantId, headers } = await startRosterServer(admin, SCHEMA, 'peers');
  await seed(admin, tenantId);
  const started = Date.now();
  await each(SIGNIN_USERS, 4, async (i) => {
    await call(`${url}/v1/users`, { method: 'POST', headers, body: JSON.stringify({ email: signinEmail(i), password: SIGNIN_PASSWORD }) });
  });
  const signIn = await (
    await call(`${url}/v1/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: signinEmail(0), password: SIGNIN_PASSWORD }),
    })
  ).json();
  process.stdout.write(
    `roster: ${SEED_USERS} seeded, ${SIGNIN_USERS} with a password in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  let next = 0;
  return {
    child,
    url,
    headers,
    session: () => ({ method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${signIn.accessToken}` } }),
    signIn: () =>
      dynamic('POST', () => ({ path: '/v1/sessions', body: { email: signinEmail(next++ % SIGNIN_USERS), password: SIGNIN_PASSWORD } })),
    list: () => ({ method: 'GET', path: '/v1/users?limit=50&count=true' }),
  };
}

/** better-auth's users as its adapter writes them (text ids, camelCase columns), oldest first, 5,000 per statement. */
async function seedBetterAuth(db: pg.Client): Promise<void> {
  for (let from = 0; from < SEED_USERS; from += 5_000) {
    await db.query(
      `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt", role, banned)
       SELECT encode(gen_random_bytes(24), 'base64'), 'Seed User' || n, 'seed' || n || '@bench.example', false,
              now() - make_interval(secs => $1 - n), now() - make_interval(secs => $1 - n), 'user', false
       FROM generate_series($2::int, least($1, $2 + 5000) - 1) AS n`,
      [SEED_USERS, from],
    );
  }
}

async function startBetterAuth(admin: pg.Client): Promise<Side> {
  await admin.query(`DROP DATABASE IF EXISTS ${PEER_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${PEER_DB}`);
  const dbUrl = new URL(DATABASE_URL);
  dbUrl.pathname = `/${PEER_DB}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startChild(
    'better-auth',
    ['--import', 'tsx', 'bench/peer-better-auth.ts'],
    {
      ...env,
      NODE_ENV: 'production',
      PORT: String(port),
      BETTER_AUTH_DATABASE_URL: dbUrl.href,
      BETTER_AUTH_SECRET: randomBytes(32).toString('hex'),
    },
    root,
  );
  await waitHealthy(child, `${url}/health`, 180_000);
  // Node's fetch sends sec-fetch-* headers, which better-auth treats as a browser's: it must name a trusted origin.
  const headers = { ...json, origin: url };
  const db = new pg.Client({ connectionString: dbUrl.href });
  await db.connect();
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
    await seedBetterAuth(db);
    const started = Date.now();
    await each(SIGNIN_USERS, 4, async (i) => {
      await call(`${url}/api/auth/sign-up/email`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: signinEmail(i), password: SIGNIN_PASSWORD, name: `Signin ${i}` }),
      });
    });
    await db.query(`UPDATE "user" SET role = 'admin' WHERE email = $1`, [signinEmail(0)]);
    await db.query('ANALYZE');
    process.stdout.write(
      `better-auth: ${SEED_USERS} seeded, ${SIGNIN_USERS} with a password in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await db.end();
  }
  const signedIn = await call(`${url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email: signinEmail(0), password: SIGNIN_PASSWORD }),
  });
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0];
  if (!cookie) throw new Error('better-auth set no session cookie');
  let next = 0;
  return {
    child,
    url,
    headers: json,
    session: () => ({ method: 'GET', path: '/api/auth/get-session', headers: { cookie } }),
    signIn: () =>
      dynamic('POST', () => ({
        path: '/api/auth/sign-in/email',
        body: { email: signinEmail(next++ % SIGNIN_USERS), password: SIGNIN_PASSWORD },
      })),
    list: () => ({ method: 'GET', path: '/api/auth/admin/list-users?limit=50', headers: { cookie } }),
  };
}

interface PeerRow {
  key: string;
  label: string;
  connections: number;
  roster: Measurement;
  peer: Measurement;
  ratio: number;
}

const SCENARIOS = [
  { key: 'session', label: 'session check (GET /v1/me vs get-session)', connections: CONNECTIONS, spec: (s: Side) => s.session },
  { key: 'sign-in', label: 'sign-in with a password', connections: SIGNIN_CONNECTIONS, spec: (s: Side) => s.signIn },
  { key: 'list', label: `first page of 50 users + exact total (${SEED_USERS} users)`, connections: CONNECTIONS, spec: (s: Side) => s.list },
] as const;

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const roster = await startRoster(admin);
  await admin
    .query(`ANALYZE ${SCHEMA}.users, ${SCHEMA}.credentials, ${SCHEMA}.sessions`)
    .catch(() => admin.query(`ANALYZE ${SCHEMA}.users`));
  const peer = await startBetterAuth(admin);
  process.stdout.write(
    `\n${WARMUP} s warm-up, ${DURATION} s measured per scenario and server in ${ROUNDS} alternating slices (load at start ${loadAtStart.map((l) => l.toFixed(1)).join(' ')})\n`,
  );
  const rows: PeerRow[] = [];
  for (const scenario of SCENARIOS) {
    if (!SELECTED.has(scenario.key)) continue;
    process.stdout.write(`${scenario.key} (${scenario.connections} connections)\n`);
    const [r, p] = await measure([
      {
        name: 'roster',
        server: roster.child,
        url: roster.url,
        headers: roster.headers,
        spec: () => [scenario.spec(roster)()],
        connections: scenario.connections,
      },
      {
        name: 'better-auth',
        server: peer.child,
        url: peer.url,
        headers: peer.headers,
        spec: () => [scenario.spec(peer)()],
        connections: scenario.connections,
      },
    ]);
    rows.push({
      key: scenario.key,
      label: scenario.label,
      connections: scenario.connections,
      roster: r,
      peer: p,
      ratio: r.reqPerSec / Math.max(1, p.reqPerSec),
    });
  }
  if (!roster.child.running || !peer.child.running) throw new Error('a server died during the run');
  await stopAll();
  await admin.end();

  process.stdout.write(
    '\n| scenario | conn. | Roster req/s (p99) | better-auth req/s (p99) | ratio |\n| --- | ---: | ---: | ---: | ---: |\n',
  );
  for (const row of rows) {
    const failed = (m: Measurement) => (m.non2xx + m.errors + m.timeouts > 0 ? ` ⚠ ${m.non2xx + m.errors + m.timeouts} failed` : '');
    process.stdout.write(
      `| ${row.label} | ${row.connections} | ${row.roster.reqPerSec} (${row.roster.p99} ms)${failed(row.roster)} | ${row.peer.reqPerSec} (${row.peer.p99} ms)${failed(row.peer)} | ${row.ratio.toFixed(2)}× |\n`,
    );
  }
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const strip = (m: Measurement) => ({ ...m, latencies: undefined });
  writeFileSync(
    join(dir, 'peers.json'),
    `${JSON.stringify({ at: new Date().toISOString(), loadAtStart, cores: os.availableParallelism(), duration: DURATION, rounds: ROUNDS, seedUsers: SEED_USERS, rows: rows.map((r) => ({ ...r, roster: strip(r.roster), peer: strip(r.peer) })) }, null, 2)}\n`,
  );
}

main()
  .catch((error) => {
    process.stderr.write(`bench:peers failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    setTimeout(() => process.exit(), 200).unref();
  });
