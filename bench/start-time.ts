/**
 * `npm run bench:start`: how long Roster takes from process spawn to `/ready` answering 200, and its resident
 * memory (RSS) at that moment, run from TypeScript through tsx (as `npm start` did before the compiled build) and
 * compiled (`node dist/main.js`, what `npm start` runs now), on embedded PGlite and on PostgreSQL.
 *
 * Storage is initialized by one untimed start first, so the figures are restarts, not first starts (a first start
 * on an empty PGlite directory also runs initdb and the migrations). Modes and backends alternate within each
 * round, so a busy moment of the machine falls on all of them. dist/ is built first when stale.
 *
 * Env:
 *   START_RUNS          timed starts per mode and backend (default 5)
 *   START_MODES         comma list of tsx, dist, start (default tsx,dist; start = scripts/start.mjs, the freshness
 *                       check included)
 *   START_BACKENDS      comma list of pglite, postgres (default both; postgres only when reachable)
 *   BENCH_DATABASE_URL  else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 *   BENCH_SCHEMA        PostgreSQL schema to (re)create (default roster_start_time)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureBuilt } from '../scripts/build.mjs';
import { freePort, startChild, stopChild } from './children.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const env = process.env;
const RUNS = Math.max(1, Number(env.START_RUNS ?? 5));
const DATABASE_URL = env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = env.BENCH_SCHEMA ?? 'roster_start_time';
const NODE_FLAGS = ['--max-semi-space-size=32'];
const MODES: Record<string, string[]> = {
  tsx: [...NODE_FLAGS, '--import', 'tsx', 'src/main.ts'],
  dist: [...NODE_FLAGS, 'dist/main.js'],
  start: [...NODE_FLAGS, 'scripts/start.mjs'],
};

type Backend = 'pglite' | 'postgres';

interface Sample {
  readyMs: number;
  /** CPU time (user + system) the process spent until ready: unlike wall time, barely moved by a busy machine. */
  cpuMs: number;
  rssMiB: number;
}

/** The resident set of a process (Linux), in MiB. */
function rssMiB(pid: number | undefined): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** User + system CPU milliseconds a process has used so far (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The parent's environment without storage or server settings, plus the given ones. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of Object.keys(out)) if (/^(DATABASE_URL|ROSTER_|PORT$|HOST$|LOG_LEVEL$)/.test(name)) delete out[name];
  return { ...out, ...extra, LOG_LEVEL: 'warn', ROSTER_ADMIN_TOKEN: 'start-time-admin-token-0123456789', HOST: '127.0.0.1' };
}

/** Spawns one server, times it to `/ready` 200 (polling every 10 ms), reads its RSS, and stops it. */
async function startOnce(mode: string, storageEnv: Record<string, string>, deadlineMs = 300_000): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = startChild(`roster-${mode}`, MODES[mode], childEnv({ ...storageEnv, PORT: String(port) }), root);
  try {
    for (;;) {
      if (!child.running) throw new Error(`${mode} exited during start-up:\n${child.output.slice(-20).join('\n')}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/ready`);
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > deadlineMs) throw new Error(`${mode} not ready within ${deadlineMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - started;
    return { readyMs, cpuMs: cpuMs(child.process.pid), rssMiB: rssMiB(child.process.pid) };
  } finally {
    await stopChild(child);
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const modes = (env.START_MODES ?? 'tsx,dist').split(',').filter((m) => m in MODES);
  const wanted = new Set((env.START_BACKENDS ?? 'pglite,postgres').split(','));
  if (modes.some((m) => m !== 'tsx')) await ensureBuilt();
  const backends: { name: Backend; env: Record<string, string> }[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-start-time-'));
  if (wanted.has('pglite')) backends.push({ name: 'pglite', env: { ROSTER_DATA_DIR: dataDir } });
  if (wanted.has('postgres')) {
    if (await postgresReachable()) backends.push({ name: 'postgres', env: { DATABASE_URL, ROSTER_DB_SCHEMA: SCHEMA } });
    else process.stdout.write(`PostgreSQL not reachable at ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}: skipped\n`);
  }
  const loadAtStart = os.loadavg();
  try {
    const samples = new Map<string, Sample[]>();
    for (const backend of backends) {
      // Untimed: creates the PGlite directory or the schema and applies the migrations.
      await startOnce(modes[0], backend.env, 900_000);
    }
    for (let run = 0; run < RUNS; run++) {
      for (const backend of backends) {
        for (const mode of modes) {
          const key = `${mode} ${backend.name}`;
          const sample = await startOnce(mode, backend.env);
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          process.stdout.write(
            `  ${key.padEnd(16)} ready in ${sample.readyMs.toFixed(0)} ms (CPU ${sample.cpuMs} ms), RSS ${sample.rssMiB.toFixed(1)} MiB\n`,
          );
        }
      }
    }
    process.stdout.write(
      `\n| mode | backend | ready, median (min–max) | CPU to ready, median (min–max) | RSS at ready, median (min–max) |\n| --- | --- | --- | --- | --- |\n`,
    );
    for (const backend of backends) {
      for (const mode of modes) {
        const s = samples.get(`${mode} ${backend.name}`) ?? [];
        const ms = s.map((x) => x.readyMs);
        const cpu = s.map((x) => x.cpuMs);
        const rss = s.map((x) => x.rssMiB);
        process.stdout.write(
          `| ${mode} | ${backend.name} | ${median(ms).toFixed(0)} ms (${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}) | ${median(cpu).toFixed(0)} ms (${Math.min(...cpu)}–${Math.max(...cpu)}) | ${median(rss).toFixed(0)} MiB (${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)}) |\n`,
        );
      }
    }
    process.stdout.write(
      `\n${RUNS} starts each, node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at end\n`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (backends.some((b) => b.name === 'postgres')) {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await client.end();
    }
  }
}

main().catch((error) => {
  process.stderr.write(`start-time failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
