import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureBuilt, ensureConsoleBuilt } from '../../scripts/build.mjs';
import { migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { backend, testDatabaseUrl, testSchema } from './backend.ts';

/**
 * Whether this run includes the e2e suites, which start the compiled server and CLI (dist/). Unknown (an empty
 * list) counts as yes: an unneeded build costs seconds, a stale dist/ would test old code.
 */
function runsEndToEnd(project: TestProject): boolean {
  const paths = project.vitest.state.getPaths();
  return paths.length === 0 || paths.some((path) => /[\\/]test[\\/]e2e[\\/]/.test(path));
}

/** Whether this run includes the browser suites, which need the console built (console/dist); unknown counts as yes. */
function runsBrowser(project: TestProject): boolean {
  const paths = project.vitest.state.getPaths();
  return paths.length === 0 || paths.some((path) => /[\\/]test[\\/]browser[\\/]/.test(path));
}

/**
 * Compiles dist/ once for the e2e suites (here, before any worker starts, so workers never race to build it), and
 * on PostgreSQL starts every run from an empty schema with the migrations applied.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (runsEndToEnd(project)) await ensureBuilt();
  if (runsBrowser(project)) await ensureConsoleBuilt();
  if (backend !== 'postgres') return;
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${testSchema} CASCADE`);
  await client.query(`CREATE SCHEMA ${testSchema}`);
  await client.end();
  const database = await openDatabase({ url: testDatabaseUrl, dataDir: null, schema: testSchema, poolSize: 2 });
  await migrateToLatest(database.db);
  await database.close();
}
