/**
 * `npm run bench:webhooks`: webhook delivery on PostgreSQL. Starts Roster (compiled, its in-process delivery worker on)
 * on a fresh schema and a receiver in this process, then:
 *
 * 1. **cost**: find-or-create (new emails) in interleaved slices, alternately into a tenant with no endpoint and into
 *    one with 4 endpoints subscribed to `user.*` on the local receiver (the same process fans out and delivers
 *    meanwhile): requests/s of each, and how much slower the subscribed one is. Interleaving spreads the shared
 *    machine's noise over both; each subscribed slice's deliveries arrive before the next slice starts, so what a
 *    subscribed slice costs is the write path's share plus the delivery work that overlaps it.
 * 2. **rate**: events committed straight into the feed at BENCH_WEBHOOK_RATE events/s (default 250, so 1,000
 *    deliveries/s to 4 endpoints) for BENCH_WEBHOOK_SECONDS (default 8), in small transactions every 10 ms, the way
 *    any writer commits them: deliveries/s and latency from each commit (the moment COMMIT returned) to receipt,
 *    p50 and p99. The API's own write rate on a loaded machine cannot reach that rate, so the feed is fed directly.
 * 3. **drain**: a backlog of BENCH_WEBHOOK_BACKLOG events (default 2,500: 10,000 deliveries) committed at once:
 *    deliveries/s until the last arrives (the worker's ceiling).
 *
 * The figures only mean something on a quiet machine; on a shared one, run it to see that it works.
 *
 * Env: BENCH_WEBHOOK_SLICES (default 4 of each), BENCH_WEBHOOK_SLICE_REQUESTS (default 100), BENCH_WEBHOOK_CONCURRENCY
 * (default 16), BENCH_WEBHOOK_RATE, BENCH_WEBHOOK_SECONDS, BENCH_WEBHOOK_BACKLOG, BENCH_NODE_ARGS (node flags for
 * Roster, default `--max-semi-space-size=32`; e.g. add `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_DATABASE_URL (else
 * DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test), BENCH_SCHEMA (default roster_bench_webhooks).
 * ROSTER_* variables pass through to Roster.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startChild, stopAll, waitHealthy } from './children.ts';

const SLICES = Number(process.env.BENCH_WEBHOOK_SLICES ?? 4);
const SLICE_REQUESTS = Number(process.env.BENCH_WEBHOOK_SLICE_REQUESTS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 16);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 250);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 8);
const BACKLOG = Number(process.env.BENCH_WEBHOOK_BACKLOG ?? 2500);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'roster_bench_webhooks';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const ENDPOINTS = 4;

/** When each user's event committed (performance.now()), and which phase it belongs to. */
const committedAt = new Map<string, { at: number; phase: string }>();
const receipts = new Map<string, { count: number; last: number; latencies: number[] }>();

function phaseStats(phase: string) {
  let stats = receipts.get(phase);
  if (!stats) {
    stats = { count: 0, last: 0, latencies: [] };
    receipts.set(phase, stats);
  }
  return stats;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.query(`CREATE SCHEMA ${SCHEMA}`);

  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const now = performance.now();
      const userId = JSON.parse(body).data?.userId as string | undefined;
      const commit = userId ? committedAt.get(userId) : undefined;
      if (commit) {
        const stats = phaseStats(commit.phase);
        stats.count++;
        stats.last = now;
        stats.latencies.push(now - commit.at);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { ensureBuilt } = await import('../scripts/build.mjs');
  await ensureBuilt();
  const roster = startChild(
    'roster',
    // As `npm start` runs it: the compiled server with its young-generation size.
    [...(process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean), join('dist', 'main.js')],
    {
      ...process.env,
      PORT: String(port),
      DATABASE_URL,
      ROSTER_DB_SCHEMA: SCHEMA,
      ROSTER_ADMIN_TOKEN: ADMIN,
      ROSTER_ALLOW_PRIVATE_UPSTREAMS: 'on',
      ROSTER_WEBHOOKS_ALLOW_HTTP: 'on',
      LOG_LEVEL: 'warn',
    },
    join(import.meta.dirname, '..'),
  );
  await waitHealthy(roster, `${base}/ready`, 120_000);
  const call = async (method: string, path: string, auth: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const tenantOf = async (slug: string) => {
    const tenant = await call('POST', '/v1/admin/tenants', ADMIN, { slug, name: slug });
    return {
      id: tenant.id as string,
      key: (await call('POST', `/v1/admin/tenants/${tenant.id}/keys`, ADMIN, { name: 'bench' })).secret as string,
    };
  };
  const none = await tenantOf('bench-webhooks-none');
  const four = await tenantOf('bench-webhooks-four');
  for (let i = 0; i < ENDPOINTS; i++)
    await call('POST', '/v1/webhooks', four.key, { url: `${receiverUrl}/hook${i}`, eventTypes: ['user.*'] });

  // 1. cost: interleaved slices, after one unmeasured slice of each (JIT, pools, caches).
  const seconds = { none: 0, four: 0 };
  let n = 0;
  for (let slice = -2; slice < SLICES * 2; slice++) {
    const kind = (slice + 2) % 2 === 0 ? 'none' : 'four';
    const key = kind === 'none' ? none.key : four.key;
    let left = SLICE_REQUESTS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left > 0) {
          left--;
          const answer = await call('POST', '/v1/users/find-or-create', key, { email: `u${n++}@bench.example`, firstName: 'Bench' });
          if (kind === 'four') committedAt.set(answer.user.id, { at: performance.now(), phase: slice < 0 ? 'warm-up' : 'cost' });
        }
      }),
    );
    if (slice >= 0) seconds[kind] += (performance.now() - started) / 1000;
    // The next slice starts once this one's deliveries have arrived: a "none" slice must not pay for them.
    const phase = slice < 0 ? 'warm-up' : 'cost';
    const expected = (slice < 0 ? 1 : Math.ceil((slice + 1) / 2)) * SLICE_REQUESTS * ENDPOINTS;
    if (kind === 'four') await waitFor(() => phaseStats(phase).count >= expected, 60_000);
  }
  const costExpected = SLICES * SLICE_REQUESTS * ENDPOINTS;
  await waitFor(() => phaseStats('cost').count >= costExpected, 60_000);

  // 2. rate: small transactions every 10 ms, straight into the feed.
  const insert = `INSERT INTO ${SCHEMA}.events (id, tenant_id, type, user_id, actor, created_at)
    SELECT gen_random_uuid(), $1, 'user.created', u, 'bench', now() FROM unnest($2::uuid[]) AS u`;
  const rateStarted = performance.now();
  let owed = 0;
  let rateEvents = 0;
  const inserts: Promise<void>[] = [];
  const writers = Array.from({ length: 4 }, () => new pg.Client({ connectionString: DATABASE_URL }));
  await Promise.all(writers.map((w) => w.connect()));
  let tick = 0;
  while (performance.now() - rateStarted < SECONDS * 1000) {
    owed = RATE * ((performance.now() - rateStarted) / 1000) - rateEvents;
    const count = Math.floor(owed);
    if (count > 0) {
      const users = Array.from({ length: count }, () => crypto.randomUUID());
      rateEvents += count;
      // Known before the commit returns too, should a receipt ever beat the answer to COMMIT.
      const sentAt = performance.now();
      for (const u of users) committedAt.set(u, { at: sentAt, phase: 'rate' });
      const writer = writers[tick++ % writers.length];
      inserts.push(
        writer.query(insert, [four.id, users]).then(() => {
          const at = performance.now();
          for (const u of users) committedAt.set(u, { at, phase: 'rate' });
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inserts);
  const rateExpected = rateEvents * ENDPOINTS;
  await waitFor(() => phaseStats('rate').count >= rateExpected, 60_000);
  const rateStats = phaseStats('rate');
  const rateSeconds = (rateStats.last - rateStarted) / 1000;

  // 3. drain: one backlog, committed at once.
  const backlog = Array.from({ length: BACKLOG }, () => crypto.randomUUID());
  const drainStarted = performance.now();
  for (const u of backlog) committedAt.set(u, { at: drainStarted, phase: 'drain' });
  await writers[0].query(insert, [four.id, backlog]);
  const drainCommitted = performance.now();
  for (const u of backlog) committedAt.set(u, { at: drainCommitted, phase: 'drain' });
  await waitFor(() => phaseStats('drain').count >= BACKLOG * ENDPOINTS, 60_000);
  const drainStats = phaseStats('drain');
  await Promise.all(writers.map((w) => w.end()));
  await client.end();

  const rps0 = (SLICES * SLICE_REQUESTS) / seconds.none;
  const rps4 = (SLICES * SLICE_REQUESTS) / seconds.four;
  const latency = (stats: { latencies: number[] }) => {
    const sorted = [...stats.latencies].sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`;
  };
  const rows = [
    [`find-or-create req/s, no endpoint`, rps0.toFixed(0)],
    [
      `find-or-create req/s, ${ENDPOINTS} endpoints`,
      `${rps4.toFixed(0)} (${(((rps0 - rps4) / rps0) * 100).toFixed(1)} % slower; target ≤ 10 %)`,
    ],
    ['  their deliveries received', `${phaseStats('cost').count} of ${costExpected}; commit → receipt ${latency(phaseStats('cost'))}`],
    [`rate: ${RATE} events/s × ${ENDPOINTS} for ${SECONDS} s`, `${rateStats.count} of ${rateExpected} received`],
    ['  deliveries/s (first commit → last receipt)', `${(rateStats.count / rateSeconds).toFixed(0)} (target ≥ 1,000)`],
    ['  commit → receipt', `${latency(rateStats)} (target p99 < 1,000 ms)`],
    [`drain: ${BACKLOG} events × ${ENDPOINTS} at once`, `${drainStats.count} of ${BACKLOG * ENDPOINTS} received`],
    ['  deliveries/s (commit → last receipt)', ((drainStats.count / (drainStats.last - drainStarted)) * 1000).toFixed(0)],
  ];
  process.stdout.write(
    `\nwebhooks bench: ${SLICES}+${SLICES} slices of ${SLICE_REQUESTS} find-or-create, ${CONCURRENCY} at once, PostgreSQL\n`,
  );
  for (const [label, value] of rows) process.stdout.write(`  ${label.padEnd(46)} ${value}\n`);
  receiver.close();
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:webhooks failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
