#!/usr/bin/env node
// Runs the whole suite on embedded PGlite and on PostgreSQL when it is reachable.
// ROSTER_REQUIRE_POSTGRES=1 (CI) makes an unreachable PostgreSQL a failure.
import { spawn } from 'node:child_process';
import pg from 'pg';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const requirePostgres = process.env.ROSTER_REQUIRE_POSTGRES === '1';
const extraArgs = process.argv.slice(2);

async function reachable() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * One vitest run. `buffered` collects its output and prints it in one piece when it ends, so two runs at once do
 * not interleave their lines. Resolves to whether it passed.
 */
function vitest(title, backend, args, { buffered = false } = {}) {
  const started = Date.now();
  const child = spawn('npx', ['vitest', 'run', ...args, ...extraArgs], {
    stdio: ['ignore', buffered ? 'pipe' : 'inherit', buffered ? 'pipe' : 'inherit'],
    env: { ...process.env, ROSTER_TEST_BACKEND: backend, TEST_DATABASE_URL: url, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
  });
  const output = [];
  if (buffered) {
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
  } else {
    process.stdout.write(`\n=== ${title} ===\n`);
  }
  return new Promise((resolve) => {
    child.on('close', (code) => {
      if (buffered) process.stdout.write(`\n=== ${title} ===\n${Buffer.concat(output).toString()}`);
      process.stdout.write(`=== ${title}: ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ===\n`);
      resolve(code === 0);
    });
  });
}

const postgres = await reachable();
if (!postgres) {
  const where = url.replace(/\/\/[^@]*@/, '//');
  process.stdout.write(
    requirePostgres
      ? `\nPostgreSQL at ${where} is not reachable and ROSTER_REQUIRE_POSTGRES=1\n`
      : `\nPostgreSQL not reachable at ${where}: skipped that backend\n`,
  );
}

/**
 * On PostgreSQL the `*.pg.test.ts` files run one at a time, apart from the other PostgreSQL files. They hold long
 * writing transactions (a 100k-row import, writers of random length, a server restart) and the event feed shows no
 * event until every older writing transaction has ended (xids are cluster-wide): beside another PostgreSQL file, they
 * would hold back its events. The PGlite pass shares nothing with them, so the two run at the same time (the PGlite
 * pass's output is printed when it ends); the PostgreSQL files that share the run's schema come after both.
 */
const runs = [vitest('tests on pglite', 'pglite', [], { buffered: postgres })];
if (postgres) runs.push(vitest('PostgreSQL-only tests, one file at a time', 'postgres', ['--maxWorkers=1', '.pg.test.ts']));
const [pglite, alone] = await Promise.all(runs);
const results = [['pglite', pglite]];
if (postgres) {
  const shared = await vitest('tests on postgres', 'postgres', ['--exclude', 'test/**/*.pg.test.ts']);
  results.push(['postgres', shared && alone]);
} else if (requirePostgres) {
  results.push(['postgres', false]);
}

const passed = results.filter(([, ok]) => ok).length;
process.stdout.write(`\nbackends: ${results.map(([b, ok]) => `${b} ${ok ? 'passed' : 'FAILED'}`).join(', ')}\n`);
process.stdout.write(`backends: ${passed} passed, ${results.length - passed} failed\n`);
process.exit(passed === results.length ? 0 : 1);
