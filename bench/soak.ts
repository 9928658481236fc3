/**
 * `npm run bench:soak`: memory under a steady mixed load. Starts the compiled server on PostgreSQL (fresh schema
 * `roster_soak`), seeds BENCH_SEED_USERS users, then drives a mix for SOAK_MINUTES on 32 connections: find-or-create
 * (a third new, so the tenant grows all along), lookup by email, upsert by external id, the session check
 * `GET /v1/me`, and the first list page with its exact total. It samples the server's RSS every SOAK_SAMPLE_SECONDS
 * and reports the peak and the slope (least squares, MB per minute) over the samples after the first minute, which
 * holds the warm-up (JIT, caches and pools filling). Writes `bench/results/soak.json`.
 *
 * Environment: SOAK_MINUTES (10), SOAK_SAMPLE_SECONDS (5), BENCH_SEED_USERS (10000), BENCH_DATABASE_URL,
 * BENCH_SCHEMA (roster_soak), SOAK_HEAP_SNAPSHOT (1: a heap snapshot at the end, see heapSnapshot).
 */

process.env.BENCH_SCHEMA ??= 'roster_soak';

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import { stopAll } from './children.ts';
import { call, startRosterServer } from './roster-server.ts';
import { dynamic, nextNumber, pick, seedEmail, seedExternalId } from './scenario.ts';
import { seed } from './seed.ts';
import { ADMIN_TOKEN, CONNECTIONS, DATABASE_URL, root, SCHEMA, SEED_USERS } from './settings.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const PASSWORD = 'soak password: correct horse battery staple';

/** Resident set size of a process in MB (Linux), or null when it is gone. */
function rssMB(pid: number | undefined): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Where the memory is, from the server's own Prometheus metrics (prom-client's process and heap gauges), in MB. */
async function heapFigures(url: string): Promise<Record<string, number>> {
  const text = await (await call(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  const figures: Record<string, number> = {};
  for (const name of ['roster_nodejs_heap_size_total_bytes', 'roster_nodejs_heap_size_used_bytes', 'roster_nodejs_external_memory_bytes']) {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (line) figures[name.replace(/^roster_nodejs_|_bytes$/g, '')] = Math.round(Number(line.split(' ')[1]) / 1e5) / 10;
  }
  return figures;
}

/**
 * SOAK_HEAP_SNAPSHOT=1 (with `--heapsnapshot-signal=SIGUSR2` in BENCH_ROSTER_NODE_ARGS): the server writes a heap
 * snapshot (after a full GC) into the checkout's root; waits until its size stops changing.
 */
async function heapSnapshot(server: ChildProcess): Promise<void> {
  const before = new Set(readdirSync(root));
  server.kill('SIGUSR2');
  let size = -1;
  for (;;) {
    await sleep(2000);
    const file = readdirSync(root).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    const now = file ? statSync(join(root, file)).size : -1;
    if (file && now === size) {
      process.stdout.write(`heap snapshot: ${file} (${Math.round(now / 1e6)} MB)\n`);
      return;
    }
    size = now;
  }
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const server = await startRosterServer(admin, SCHEMA, 'soak', { ROSTER_ACCESS_TOKEN_SECONDS: String((MINUTES + 10) * 60) });
  try {
    const { url, headers, child } = server;
    await seed(admin, server.tenantId);
    await call(`${url}/v1/users`, { method: 'POST', headers, body: JSON.stringify({ email: 'soak@bench.example', password: PASSWORD }) });
    const session = await (
      await call(`${url}/v1/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: 'soak@bench.example', password: PASSWORD }),
      })
    ).json();
    const pid = child.process.pid;
    process.stdout.write(`roster ready, ${SEED_USERS} users seeded; ${MINUTES} min of mixed load on ${CONNECTIONS} connections\n`);

    const samples: { seconds: number; rssMB: number }[] = [];
    const started = Date.now();
    const sampleNow = () => {
      const rss = rssMB(pid);
      if (rss !== null) samples.push({ seconds: (Date.now() - started) / 1000, rssMB: Math.round(rss * 10) / 10 });
    };
    sampleNow();
    const sampler = setInterval(() => {
      sampleNow();
      const last = samples[samples.length - 1];
      if (last && Math.round(last.seconds) % 60 < SAMPLE_SECONDS) {
        process.stdout.write(`  ${Math.round(last.seconds / 60)} min: RSS ${last.rssMB} MB\n`);
      }
    }, SAMPLE_SECONDS * 1000);

    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: MINUTES * 60,
      headers,
      requests: [
        dynamic('POST', () => ({
          path: '/v1/users/find-or-create',
          body: { email: Math.random() < 1 / 3 ? `soak-${nextNumber()}@new.bench.example` : seedEmail(pick(SEED_USERS)) },
        })),
        dynamic('GET', () => ({ path: `/v1/users/lookup?email=${encodeURIComponent(seedEmail(pick(SEED_USERS)))}` })),
        dynamic('PUT', () => ({
          path: `/v1/users/by-external-id/${encodeURIComponent(seedExternalId(pick(SEED_USERS)))}`,
          body: { firstName: Math.random() < 0.5 ? 'Ann' : 'Bob' },
        })),
        { method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${session.accessToken}` } },
        { method: 'GET', path: '/v1/users?limit=50&count=true' },
      ],
    });
    clearInterval(sampler);
    sampleNow();
    const heap = await heapFigures(url);
    if (process.env.SOAK_HEAP_SNAPSHOT === '1') await heapSnapshot(child.process);

    const afterWarmUp = samples.filter((s) => s.seconds >= 60);
    const perMinute = slope(afterWarmUp.map((s) => ({ x: s.seconds / 60, y: s.rssMB })));
    const rss = samples.map((s) => s.rssMB);
    const results = {
      date: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      minutes: MINUTES,
      seedUsers: SEED_USERS,
      connections: CONNECTIONS,
      requests: result.requests.total,
      reqPerSec: Math.round(result.requests.average),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      rssMB: {
        atStart: rss[0],
        peak: Math.max(...rss),
        afterFirstMinute: afterWarmUp[0]?.rssMB ?? null,
        atEnd: rss[rss.length - 1],
        slopePerMinuteAfterFirstMinute: Math.round(perMinute * 100) / 100,
      },
      heapMB: heap,
      samples,
    };
    const { samples: _omitted, ...summary } = results;
    console.log(JSON.stringify(summary, null, 2));
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/soak.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await stopAll();
    await admin.end();
  }
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
