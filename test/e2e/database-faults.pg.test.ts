/**
 * The fault suite: the real server process on a private PostgreSQL cluster, under a steady load of writes and
 * reads, while the database drops every connection, restarts, and goes away for 20 s. PostgreSQL pass only
 * (`*.pg.test.ts` is left out of the PGlite pass by vitest.config.ts).
 *
 * Figures asserted: 0 process exits, 0 × 500 (0 × any 5xx but 503), every failed answer a 503 with Retry-After,
 * recovery within 2 s of the database returning, no acknowledged write lost. Printed: counts per phase and the
 * measured recovery times.
 */

import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { databaseUnavailability } from '../../src/db/errors.ts';
import { type PrivateCluster, startPrivateCluster } from '../helpers/private-postgres.ts';
import { ADMIN_TOKEN, childEnv, createTenantOver, freePort, killAll, ROOT, type ServerProcess, startServerProcess } from './process.ts';

let cluster: PrivateCluster;

beforeAll(async () => {
  cluster = await startPrivateCluster();
}, 60_000);

afterAll(async () => {
  await killAll();
  await cluster?.destroy();
});

interface Answer {
  kind: 'write' | 'read';
  startedAt: number;
  endedAt: number;
  /** HTTP status; 0 when the request itself failed (connection refused or reset: the process is gone). */
  status: number;
  retryAfter: string | null;
  code: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Steady load: `writers` loops creating users, `readers` loops reading acknowledged ones back. */
function startLoad(server: ServerProcess, auth: Record<string, string>, writers: number, readers: number) {
  const answers: Answer[] = [];
  const acked: { id: string; email: string }[] = [];
  let running = true;
  let counter = 0;
  const call = async (kind: Answer['kind'], path: string, init: RequestInit): Promise<Answer & { body: any }> => {
    const startedAt = Date.now();
    try {
      const res = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      const body = (await res.json().catch(() => null)) as any;
      const answer = {
        kind,
        startedAt,
        endedAt: Date.now(),
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        code: typeof body?.code === 'string' ? body.code : null,
      };
      answers.push(answer);
      return { ...answer, body };
    } catch {
      const answer = { kind, startedAt, endedAt: Date.now(), status: 0, retryAfter: null, code: null };
      answers.push(answer);
      return { ...answer, body: null };
    }
  };
  const writer = async (w: number) => {
    while (running) {
      const email = `fault-${w}-${counter++}@example.com`;
      const answer = await call('write', '/v1/users', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ email, firstName: 'Fault' }),
      });
      if (answer.status === 201) acked.push({ id: answer.body.id, email });
      // A client that honours Retry-After would wait longer; a short pause keeps the load steady and the count high.
      if (answer.status !== 201) await sleep(50);
    }
  };
  const reader = async () => {
    while (running) {
      const known = acked[Math.floor(Math.random() * acked.length)];
      const answer = await call('read', known ? `/v1/users/${known.id}` : '/v1/users?limit=5', { headers: auth });
      if (answer.status !== 200) await sleep(50);
    }
  };
  const loops = [...Array.from({ length: writers }, (_, w) => writer(w)), ...Array.from({ length: readers }, () => reader())];
  return {
    answers,
    acked,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** How long after `back` the service answered again: the first 2xx, and the end of the last failure, of requests started after it. */
function recoveryAfter(answers: Answer[], back: number): { firstSuccessMs: number; lastFailureMs: number } {
  const after = answers.filter((a) => a.startedAt >= back);
  const firstSuccess = Math.min(...after.filter((a) => a.status >= 200 && a.status < 300).map((a) => a.endedAt));
  const failures = after.filter((a) => a.status < 200 || a.status >= 300).map((a) => a.endedAt);
  return { firstSuccessMs: firstSuccess - back, lastFailureMs: failures.length ? Math.max(...failures) - back : 0 };
}

function summary(answers: Answer[], from: number, to: number) {
  const inPhase = answers.filter((a) => a.startedAt >= from && a.startedAt < to);
  const byStatus: Record<string, number> = {};
  for (const a of inPhase) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  return byStatus;
}

describe('database faults (private PostgreSQL cluster, real server process)', () => {
  it('stays up through dropped connections, a restart and a 20 s outage; answers 503 + Retry-After meanwhile; loses no acknowledged write', async () => {
    const server = await startServerProcess({
      env: {
        DATABASE_URL: cluster.url,
        ROSTER_DB_POOL_SIZE: '6',
        ROSTER_DB_ACQUIRE_TIMEOUT_MS: '2000',
        ROSTER_DB_STATEMENT_TIMEOUT_MS: '5000',
      },
      cleanup: async () => {},
    });
    let exited: number | string | null = null;
    void server.exited.then((how) => {
      exited = how;
    });
    const { auth } = await createTenantOver(server, 'faults');
    const load = startLoad(server, auth, 3, 2);
    const marks: Record<string, number> = { start: Date.now() };
    await sleep(2500);

    marks.terminate = Date.now();
    const terminated = await cluster.terminateBackends();
    expect(terminated).toBeGreaterThan(0);
    await sleep(3000);

    marks.restart = Date.now();
    await cluster.restart();
    marks.restarted = Date.now();
    await sleep(3000);

    marks.stop = Date.now();
    await cluster.stop();
    marks.stopped = Date.now();
    await sleep(20_000);
    // Mid-outage: the probes say what they should.
    const probe = (path: string) =>
      fetch(`${server.url}${path}`).then(
        (r) => r.status,
        () => 0,
      );
    const health = await probe('/health');
    const ready = await probe('/ready');
    await cluster.start();
    marks.back = Date.now();
    await sleep(4000);
    marks.end = Date.now();
    await load.stop();

    const answers = load.answers;
    const failed = answers.filter((a) => a.status < 200 || a.status >= 300);
    // Only answers that ended before the stop began: one still in flight when the cluster went down fails by right.
    const restartRecovery = recoveryAfter(
      answers.filter((a) => a.endedAt < marks.stop),
      marks.restarted,
    );
    const outageRecovery = recoveryAfter(answers, marks.back);
    const phases = {
      steady: summary(answers, marks.start, marks.terminate),
      terminate: summary(answers, marks.terminate, marks.restart),
      restart: summary(answers, marks.restart, marks.stop),
      outage: summary(answers, marks.stop, marks.back),
      back: summary(answers, marks.back, marks.end + 1),
    };
    process.stdout.write(
      `fault suite: ${answers.length} answers, ${load.acked.length} acknowledged writes, ${failed.length} failed; ` +
        `terminated ${terminated} backends; restart took ${marks.restarted - marks.restart} ms; ` +
        `recovery after restart: first 2xx ${restartRecovery.firstSuccessMs} ms, last failure ${restartRecovery.lastFailureMs} ms; ` +
        `after the 20 s outage: first 2xx ${outageRecovery.firstSuccessMs} ms, last failure ${outageRecovery.lastFailureMs} ms\n` +
        `by phase: ${JSON.stringify(phases)}\n`,
    );

    expect(exited, server.output()).toBeNull();
    expect(health).toBe(200);
    expect(ready).toBe(503);
    // Every failed answer is a 503 DATABASE_UNAVAILABLE with Retry-After: no 500, no dropped connection.
    expect(answers.filter((a) => a.status === 0).length).toBe(0);
    expect(answers.filter((a) => a.status === 500).length).toBe(0);
    expect(failed.filter((a) => a.status !== 503 || a.retryAfter === null || a.code !== 'DATABASE_UNAVAILABLE')).toEqual([]);
    // The outage was felt, and both sides of it served.
    expect(phases.outage['503'] ?? 0).toBeGreaterThan(0);
    expect((phases.steady['201'] ?? 0) + (phases.steady['200'] ?? 0)).toBeGreaterThan(0);
    expect(restartRecovery.firstSuccessMs).toBeLessThanOrEqual(2000);
    expect(restartRecovery.lastFailureMs).toBeLessThanOrEqual(2000);
    expect(outageRecovery.firstSuccessMs).toBeLessThanOrEqual(2000);
    expect(outageRecovery.lastFailureMs).toBeLessThanOrEqual(2000);

    // No acknowledged write lost: every 201 is a row in the database.
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const ids = load.acked.map((a) => a.id);
    const { rows } = await client.query('select count(*)::int as n from users where id = any($1::uuid[])', [ids]);
    await client.end();
    expect(rows[0].n).toBe(ids.length);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);

  it('starting while PostgreSQL is down: listens at once, /health 200, /ready 503, other routes 503; ready once it is back', async () => {
    await cluster.stop();
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: childEnv({
        DATABASE_URL: cluster.url,
        ROSTER_DB_SCHEMA: 'late_start',
        PORT: String(port),
        HOST: '127.0.0.1',
        ROSTER_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      let health = 0;
      for (let i = 0; i < 600 && health !== 200; i++) {
        health = await fetch(`${base}/health`).then(
          (r) => r.status,
          () => 0,
        );
        if (health !== 200) await sleep(100);
      }
      expect(health, out).toBe(200);
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      const users = await fetch(`${base}/v1/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(users.status).toBe(503);
      expect(users.headers.get('retry-after')).toBe('1');
      expect(((await users.json()) as { code: string }).code).toBe('DATABASE_UNAVAILABLE');
      // Each attempt is logged, without the driver's internals.
      for (let i = 0; i < 50 && !out.includes('database not reachable; retrying'); i++) await sleep(100);
      expect(out).toContain('database not reachable; retrying');
      expect(out).toContain('ECONNREFUSED');
      expect(child.exitCode).toBeNull();

      await cluster.start();
      const back = Date.now();
      let ready = 0;
      while (ready !== 200 && Date.now() - back < 30_000) {
        ready = (await fetch(`${base}/ready`)).status;
        if (ready !== 200) await sleep(100);
      }
      expect(ready, out).toBe(200);
      process.stdout.write(`start while down: ready ${Date.now() - back} ms after PostgreSQL came up\n`);
      expect((await fetch(`${base}/v1/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  for (const preparedStatements of [true, false]) {
    it(`a pool (prepared statements ${preparedStatements ? 'on' : 'off'}) survives its busy and idle connections being terminated`, async () => {
      const lost: Error[] = [];
      const database = await openDatabase({
        url: cluster.url,
        dataDir: null,
        poolSize: 3,
        preparedStatements,
        onConnectionError: (error) => lost.push(error),
      });
      try {
        // Busy: the statement running on the connection fails with the termination, classified as unavailability.
        const busy = sql`select pg_sleep(10)`.execute(database.db).then(
          () => null,
          (e: unknown) => e,
        );
        const idle = sql<{ n: number }>`select ${1}::int as n`.execute(database.db);
        await idle;
        await sleep(300);
        expect(await cluster.terminateBackends()).toBeGreaterThan(0);
        expect(databaseUnavailability(await busy)).toBe('unreachable');
        // Idle: the pool drops the dead connections; the next statements get new ones.
        await sleep(200);
        await cluster.terminateBackends();
        await sleep(200);
        for (let i = 0; i < 5; i++) {
          expect((await sql<{ n: number }>`select ${i}::int as n`.execute(database.db)).rows[0]?.n).toBe(i);
        }
        expect(lost.length).toBeGreaterThan(0);
      } finally {
        await database.close();
      }
    }, 30_000);
  }
});
