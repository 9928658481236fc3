#!/usr/bin/env node
// Runs the whole suite on embedded PGlite, then again on PostgreSQL when it is reachable.
// ROSTER_REQUIRE_POSTGRES=1 (CI) makes an unreachable PostgreSQL a failure.
import { spawnSync } from 'node:child_process';
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

function vitest(backend, args) {
  const result = spawnSync('npx', ['vitest', 'run', ...args, ...extraArgs], {
    stdio: 'inherit',
    env: { ...process.env, ROSTER_TEST_BACKEND: backend, TEST_DATABASE_URL: url },
  });
  return result.status === 0;
}

/**
 * On PostgreSQL the `*.pg.test.ts` files run after the rest, one at a time. They hold long writing transactions
 * (a 100k-row import, writers of random length, a server restart) and the event feed shows no event until every
 * older writing transaction has ended (xids are cluster-wide): beside another file, they would hold back its events.
 */
function run(backend) {
  process.stdout.write(`\n=== tests on ${backend} ===\n`);
  if (backend !== 'postgres') return vitest(backend, []);
  const shared = vitest(backend, ['--exclude', 'test/**/*.pg.test.ts']);
  process.stdout.write(`\n=== PostgreSQL-only tests, one file at a time ===\n`);
  const alone = vitest(backend, ['--maxWorkers=1', '.pg.test.ts']);
  return shared && alone;
}

const results = [];
results.push(['pglite', run('pglite')]);
if (await reachable()) {
  results.push(['postgres', run('postgres')]);
} else if (requirePostgres) {
  process.stdout.write(`\nPostgreSQL at ${url.replace(/\/\/[^@]*@/, '//')} is not reachable and ROSTER_REQUIRE_POSTGRES=1\n`);
  results.push(['postgres', false]);
} else {
  process.stdout.write(`\nPostgreSQL not reachable at ${url.replace(/\/\/[^@]*@/, '//')}: skipped that backend\n`);
}

const passed = results.filter(([, ok]) => ok).length;
process.stdout.write(`\nbackends: ${results.map(([b, ok]) => `${b} ${ok ? 'passed' : 'FAILED'}`).join(', ')}\n`);
process.stdout.write(`backends: ${passed} passed, ${results.length - passed} failed\n`);
process.exit(passed === results.length ? 0 : 1);
