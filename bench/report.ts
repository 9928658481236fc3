/** The bench's results: the table it prints and bench/results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import type { HashRate } from './hash-rate.ts';
import type { Measurement } from './measure.ts';
import type { ScenarioKey, Versus } from './scenario.ts';
import {
  CONNECTIONS,
  DIALECT_RATIO_TARGET,
  DURATION,
  P99_TARGET_MS,
  ROSTER_POOL,
  ROUNDS,
  root,
  SEED_USERS,
  SIGNIN_USERS,
  THIN_POOL,
  WARMUP,
} from './settings.ts';

export interface Row {
  key: ScenarioKey;
  connections: number;
  label?: string;
  versus: Versus;
  roster?: Measurement;
  thin?: Measurement;
  /** The baseline of a dialect row: the native endpoint it maps to, on Roster. */
  native?: Measurement;
  ratio: number | null;
  ratioTarget: number | null;
  p99Target: number | null;
  met: boolean | null;
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toFixed(digits);
}

/** Prints the results table, the dialect labels, the hash rate and what the servers complained about. */
export function printTable(rows: Row[], hashRate: HashRate | null, complaints: { roster: string[]; thin: string[] }): void {
  // Dialect rows: "roster" is the dialect endpoint and "thin" the native one it maps to (see the labels below).
  const header = ['scenario', 'roster req/s', 'p50 ms', 'p99 ms', 'base req/s', 'base p50', 'base p99', 'ratio', 'target', 'met'];
  const table = rows.map((row) => [
    row.key,
    fmt(row.roster?.reqPerSec),
    fmt(row.roster?.p50, 1),
    fmt(row.roster?.p99, 1),
    fmt((row.thin ?? row.native)?.reqPerSec),
    fmt((row.thin ?? row.native)?.p50, 1),
    fmt((row.thin ?? row.native)?.p99, 1),
    row.ratio === null
      ? '-'
      : `${Math.round(row.ratio * 100)} %${row.versus === 'hashes' ? ' of hash/s' : row.versus === 'native' ? ' of native' : ''}`,
    [
      ...(row.ratioTarget !== null ? [`≥ ${row.ratioTarget * 100} %`] : []),
      ...(row.p99Target !== null ? [`p99 < ${row.p99Target}`] : []),
      '0 err',
    ].join(', '),
    row.met === null ? '-' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n`);
  process.stdout.write('base: the thin route, or for a dialect row the native endpoint on Roster:\n');
  for (const row of rows) if (row.label) process.stdout.write(`  ${row.key}: ${row.label}\n`);
  if (hashRate) {
    process.stdout.write(
      `\nargon2id hash rate (in process, ${hashRate.concurrency} at once): ${hashRate.hashesPerSecond} hashes/s, ${hashRate.msPerHash} ms per hash per core\n`,
    );
  }
  for (const [name, lines] of [
    ['roster', complaints.roster],
    ['thin server', complaints.thin],
  ] as const) {
    if (lines.length > 0)
      process.stdout.write(`\n${name} logged ${lines.length} warnings/errors, e.g.:\n${lines.slice(0, 3).join('\n')}\n`);
  }
}

export interface RunFacts {
  loadAtStart: number[];
  pgVersion: string;
  hashRate: HashRate | null;
  rows: Row[];
  complaints: { roster: string[]; thin: string[] };
  allMet: boolean;
}

/** Writes bench/results/latest.json (without the raw latencies) and prints where, with the load averages. */
export function writeReport({ loadAtStart, pgVersion, hashRate, rows, complaints, allMet }: RunFacts): void {
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    seedUsers: SEED_USERS,
    rosterPoolSize: ROSTER_POOL ? Number(ROSTER_POOL) : 'default',
    thinPoolSize: Number(THIN_POOL),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? null,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      /** 1, 5 and 15 minute load averages at the start of the run and at its end (2 cores: above 2 is a busy box). */
      loadAverageAtStart: loadAtStart,
      loadAverage: os.loadavg(),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      postgres: pgVersion,
    },
    targets: {
      findOrCreateRatio: 0.5,
      lookupRatio: 0.6,
      p99Ms: P99_TARGET_MS,
      p99Applies: ['find-or-create', 'lookup'],
      errors: 0,
      dialectToNativeRatio: DIALECT_RATIO_TARGET,
    },
    hashing: hashRate && { algorithm: 'argon2id', memoryKiB: 19456, timeCost: 2, parallelism: 1, ...hashRate },
    signinUsers: SIGNIN_USERS,
    scenarios: rows,
    serverComplaints: { roster: complaints.roster.length, thin: complaints.thin.length },
    allMet,
  };
  const out = join(root, 'bench/results/latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, (key, value) => (key === 'latencies' ? undefined : value), 2)}\n`);
  process.stdout.write(
    `load average (1/5/15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n${allMet ? 'all targets met' : 'some targets missed'}; wrote ${out}\n`,
  );
}
