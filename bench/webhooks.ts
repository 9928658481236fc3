/**
 * `npm run bench:webhooks`: webhook delivery on PostgreSQL. Starts Roster (tsx, its in-process delivery worker on)
 * on a fresh schema and a receiver in this process, then:
 *
 * 1. find-or-create (new emails) with no endpoint subscribed: requests/s;
 * 2. the same with 4 endpoints subscribed to `user.*` on the local receiver: requests/s (the cost of the fan-out
 *    and the deliveries the same process makes), deliveries/s until every event has reached all 4 endpoints, and
 *    latency from commit (the moment the create answered) to receipt, p50 and p99.
 *
 * The figures only mean something on a quiet machine; on a shared one, run it to see that it works.
 *
 * Env: BENCH_WEBHOOK_REQUESTS (per phase, default 2000), BENCH_WEBHOOK_CONCURRENCY (default 16),
 * BENCH_DATABASE_URL (else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test), BENCH_SCHEMA (default
 * roster_bench_webhooks). ROSTER_* variables pass through to Roster.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startChild, stopAll, waitHealthy } from './children.ts';

const REQUESTS = Number(process.env.BENCH_WEBHOOK_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 16);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'roster_bench_webhooks';
const ADMIN = 'bench-admin-token-0123456789abcdef';
const ENDPOINTS = 4;

const answeredAt = new Map<string, number>();
const latencies: number[] = [];
let receipts = 0;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.query(`CREATE SCHEMA ${SCHEMA}`);
  await client.end();

  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const now = performance.now();
      receipts++;
      const userId = JSON.parse(body).data?.userId as string | undefined;
      const at = userId ? answeredAt.get(userId) : undefined;
      if (at !== undefined) latencies.push(now - at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const roster = startChild(
    'roster',
    ['--import', 'tsx', join('src', 'main.ts')],
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
  const tenant = await call('POST', '/v1/admin/tenants', ADMIN, { slug: 'bench-webhooks', name: 'Bench webhooks' });
  const key = (await call('POST', `/v1/admin/tenants/${tenant.id}/keys`, ADMIN, { name: 'bench' })).secret as string;

  async function findOrCreate(phase: string): Promise<{ seconds: number }> {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const n = next++;
          const answer = await call('POST', '/v1/users/find-or-create', key, { email: `${phase}-${n}@bench.example`, firstName: 'Bench' });
          answeredAt.set(answer.user.id, performance.now());
        }
      }),
    );
    return { seconds: (performance.now() - started) / 1000 };
  }

  const none = await findOrCreate('none');
  for (let i = 0; i < ENDPOINTS; i++) await call('POST', '/v1/webhooks', key, { url: `${receiverUrl}/hook${i}`, eventTypes: ['user.*'] });
  receipts = 0;
  latencies.length = 0;
  const started = performance.now();
  const four = await findOrCreate('four');
  const expected = REQUESTS * ENDPOINTS;
  const deadline = Date.now() + 300_000;
  while (receipts < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const deliverySeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  const rps0 = REQUESTS / none.seconds;
  const rps4 = REQUESTS / four.seconds;
  const rows = [
    ['find-or-create req/s, no endpoint', rps0.toFixed(0)],
    [
      `find-or-create req/s, ${ENDPOINTS} endpoints`,
      `${rps4.toFixed(0)} (${(((rps0 - rps4) / rps0) * 100).toFixed(1)} % slower; target ≤ 10 %)`,
    ],
    ['deliveries received', `${receipts} of ${expected}`],
    ['deliveries/s (first create → last receipt)', `${(receipts / deliverySeconds).toFixed(0)} (target ≥ 1,000)`],
    ['commit → receipt p50', `${percentile(latencies, 50).toFixed(0)} ms`],
    ['commit → receipt p99', `${percentile(latencies, 99).toFixed(0)} ms (target < 1,000 ms)`],
  ];
  process.stdout.write(`\nwebhooks bench: ${REQUESTS} requests per phase, ${CONCURRENCY} at once, PostgreSQL\n`);
  for (const [label, value] of rows) process.stdout.write(`  ${label.padEnd(46)} ${value}\n`);
  receiver.close();
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:webhooks failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
