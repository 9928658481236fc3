/** One load run with autocannon, its measurement, and the alternating slices that compare targets fairly. */
import { readFileSync } from 'node:fs';
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import type { Child } from './children.ts';
import { DURATION, ROUNDS, WARMUP } from './settings.ts';

export interface Measurement {
  /** Iterations per second: requests, or request sequences when an iteration is several (Thanx's native pair). */
  reqPerSec: number;
  /** HTTP requests per iteration (1 but for the native Thanx pair). */
  requestsPerIteration: number;
  seconds: number;
  /** CPU time the server process spent per iteration (user + system): robust to a busy machine. */
  serverCpuMsPerRequest: number | null;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Every iteration's response time (ms; a sequence's is the sum of its requests'), for exact percentiles over all slices; left out of the JSON. */
  latencies: number[];
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

/** User + system CPU milliseconds a process has used so far (Linux), or null. */
function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

async function load(
  server: Child,
  url: string,
  headers: Record<string, string>,
  requests: RequestSpec[],
  seconds: number,
  connections: number,
): Promise<Measurement> {
  const cpuBefore = cpuMs(server.process.pid);
  const latencies: number[] = [];
  const perIteration = requests.length;
  const instance = autocannon({ url, connections, duration: seconds, headers, requests });
  if (perIteration === 1) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  else {
    // Each connection sends its iteration's requests in order, one at a time: an iteration's latency is their sum.
    const pending = new Map<unknown, { ms: number; n: number }>();
    instance.on('response', (client, _status, _bytes, ms) => {
      const p = pending.get(client) ?? { ms: 0, n: 0 };
      p.ms += ms;
      p.n += 1;
      if (p.n === perIteration) {
        latencies.push(p.ms);
        pending.delete(client);
      } else pending.set(client, p);
    });
  }
  const result: Result = await instance;
  const cpuAfter = cpuMs(server.process.pid);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  const iterations = perIteration === 1 ? result.requests.total : latencies.length;
  return {
    reqPerSec: Math.round(iterations / result.duration),
    requestsPerIteration: perIteration,
    seconds: result.duration,
    serverCpuMsPerRequest:
      cpuBefore !== null && cpuAfter !== null && iterations > 0 ? Number(((cpuAfter - cpuBefore) / iterations).toFixed(3)) : null,
    total: iterations,
    ...percentiles(latencies),
    latencies,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

/** Exact latency percentiles (ms, one decimal) of every response measured. */
function percentiles(latencies: number[]): Pick<Measurement, 'p50' | 'p90' | 'p99' | 'max'> {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    sorted.length === 0 ? 0 : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** Merges the slices of one target's measurement. */
function combine(slices: Measurement[]): Measurement {
  const total = slices.reduce((n, m) => n + m.total, 0);
  const seconds = slices.reduce((n, m) => n + m.seconds, 0);
  const latencies = slices.flatMap((m) => m.latencies);
  const statusCodes: Record<string, number> = {};
  for (const m of slices) for (const [code, n] of Object.entries(m.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const cpu = slices.map((m) => m.serverCpuMsPerRequest);
  return {
    reqPerSec: Math.round(total / seconds),
    requestsPerIteration: slices[0]?.requestsPerIteration ?? 1,
    seconds,
    serverCpuMsPerRequest: cpu.every((c) => c !== null)
      ? Number((slices.reduce((n, m) => n + (m.serverCpuMsPerRequest ?? 0) * m.total, 0) / Math.max(total, 1)).toFixed(3))
      : null,
    total,
    ...percentiles(latencies),
    latencies,
    non2xx: slices.reduce((n, m) => n + m.non2xx, 0),
    errors: slices.reduce((n, m) => n + m.errors, 0),
    timeouts: slices.reduce((n, m) => n + m.timeouts, 0),
    statusCodes,
  };
}

export interface Target {
  name: string;
  server: Child;
  url: string;
  headers: Record<string, string>;
  /** The requests of one iteration (usually one). */
  spec: () => RequestSpec[];
  connections: number;
}

/**
 * Warms every target up, then measures them in ROUNDS alternating slices of DURATION / ROUNDS seconds, so
 * that a busy moment of the machine falls on both rather than on one.
 */
export async function measure(targets: Target[]): Promise<Measurement[]> {
  if (WARMUP > 0) for (const t of targets) await load(t.server, t.url, t.headers, t.spec(), WARMUP, t.connections);
  const slices: Measurement[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, t] of targets.entries()) {
      slices[i].push(await load(t.server, t.url, t.headers, t.spec(), DURATION / ROUNDS, t.connections));
    }
  }
  return targets.map((t, i) => {
    const m = combine(slices[i]);
    const bad = m.non2xx + m.errors + m.timeouts;
    process.stdout.write(
      `  ${t.name.padEnd(12)} ${String(m.reqPerSec).padStart(6)} req/s  p50 ${m.p50} ms  p90 ${m.p90} ms  p99 ${m.p99} ms  max ${m.max} ms  cpu ${m.serverCpuMsPerRequest} ms/req${bad ? `  (${bad} failed: ${JSON.stringify(m.statusCodes)}, errors ${m.errors}, timeouts ${m.timeouts})` : ''}\n`,
    );
    return m;
  });
}
