import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * on PostgreSQL starts every run from an empty schema with the migrations applied; on PGlite it leaves a migrated
 * template for every file to start from. Returns the teardown.
 */
export default async function setup(project: TestProject): Promise<(() => void | Promise<void>) | undefined> {
  if (runsEndToEnd(project)) await ensureBuilt();
  if (runsBrowser(project)) await ensureConsoleBuilt();
  if (backend !== 'postgres') return preparePgliteTemplate(project);
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await dropOwnSchemas(client);
  await client.query(`DROP SCHEMA IF EXISTS ${testSchema} CASCADE`);
  await client.query(`CREATE SCHEMA ${testSchema}`);
  await client.end();
  const database = await openDatabase({ url: testDatabaseUrl, dataDir: null, schema: testSchema, poolSize: 2 });
  await migrateToLatest(database.db);
  await database.close();
  return async () => {
    const after = new pg.Client({ connectionString: testDatabaseUrl });
    await after.connect();
    await dropOwnSchemas(after).finally(() => after.end());
  };
}

/** Drops the schemas files of this run took for themselves (testDatabase's `ownSchema`), and those a killed run left. */
async function dropOwnSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)`, [
    `${testSchema}_own_`,
  ]);
  for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tarball of a migrated PGlite data directory that every test file's database starts from. */
    pgliteTemplate: string;
  }
}

/**
 * Migrates one PGlite database and leaves its data directory in a file for the workers (testDatabase opens it):
 * PGlite's initdb and the migrations would otherwise run again in every test file. Returns the teardown.
 */
async function preparePgliteTemplate(project: TestProject): Promise<() => void> {
  const database = await openDatabase({ url: null, dataDir: null });
  await migrateToLatest(database.db);
  const dump = await database.dumpDataDir?.();
  await database.close();
  if (!dump) throw new Error('PGlite cannot dump its data directory');
  const file = join(tmpdir(), `roster-pglite-template-${process.pid}.tar`);
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return () => rmSync(file, { force: true });
}
