import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { backend, testDatabaseUrl, testSchema } from './backend.ts';

/** On PostgreSQL, starts every run from an empty schema with the migrations applied. */
export default async function setup(): Promise<void> {
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
