/**
 * `npm run openapi`: writes the documents the server serves to openapi/ (roster.json and one per vendor dialect),
 * so API changes show in review. test/http/openapi-committed.test.ts fails when they differ from the served ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { DIALECT_NAMES } from '../src/dialects/dialects.ts';
import { createRegistry } from '../src/registry.ts';

async function main(): Promise<void> {
  const database = await openDatabase({ url: null, dataDir: null });
  await migrateToLatest(database.db);
  const config = loadConfig({ LOG_LEVEL: 'silent', ROSTER_ADMIN_TOKEN: 'openapi-script-token-0123456789abcdef' });
  const registry = await createRegistry(config, { database, migrate: false });
  const app = await buildApp(registry, { docs: true });
  await app.ready();
  const outDir = process.argv[2] ?? 'openapi';
  mkdirSync(outDir, { recursive: true });
  const documents = [
    ['/openapi.json', 'roster.json'],
    ...[...DIALECT_NAMES, 'scim'].map((name) => [`/openapi/${name}.json`, `${name}.json`]),
  ];
  for (const [url, file] of documents) {
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    writeFileSync(join(outDir, file), `${JSON.stringify(res.json(), null, 2)}\n`);
  }
  await app.close();
  await registry.close();
}

await main();
