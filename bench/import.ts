/**
 * `npm run bench:import`: imports generated users (5 attributes each) into PostgreSQL through the import job
 * runner (upload stored in chunks, set-based batches with checkpoints and events), then exports them through the
 * snapshot export (the NDJSON text the route sends); prints rows/s, peak RSS and the time, and writes the figures to bench/results/.
 *
 * Env:
 *   IMPORT_ROWS         users to generate (default 1,000,000)
 *   IMPORT_BATCH        rows per batch (default ROSTER_IMPORT_BATCH_SIZE, else 1000)
 *   BENCH_DATABASE_URL  else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test
 *   BENCH_SCHEMA        PostgreSQL schema to (re)create (default roster_bulk_bench)
 *   IMPORT_BACKEND      postgres (default) or pglite (a fresh embedded data directory in a temporary folder)
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR, platformContext } from '../src/core/context.ts';
import { createRegistry } from '../src/registry.ts';
import { createImportWorker } from '../src/workers/import-worker.ts';

const env = process.env;
const ROWS = Number(env.IMPORT_ROWS ?? 1_000_000);
const DATABASE_URL = env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = env.BENCH_SCHEMA ?? 'roster_bulk_bench';
const PGLITE = env.IMPORT_BACKEND === 'pglite';

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function generate(path: string): Promise<void> {
  const out = createWriteStream(path);
  const tiers = ['free', 'pro', 'team', 'enterprise'];
  for (let i = 0; i < ROWS; i++) {
    const line = `${JSON.stringify({
      email: `user${i}@bench.example.com`,
      externalId: `ext-${i}`,
      firstName: `First${i % 977}`,
      lastName: `Last${i % 1013}`,
      attributes: { tier: tiers[i % 4], seats: i % 50, referrer: `ref-${i % 1000}`, newsletter: i % 3 === 0, signupYear: 2000 + (i % 25) },
    })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  if (!PGLITE) {
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.query(`CREATE SCHEMA ${SCHEMA}`);
    await admin.end();
  }

  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-import-'));
  const file = join(dir, 'users.ndjson');
  await generate(file);
  const bytes = statSync(file).size;

  const { DATABASE_URL: _ignored, ...rest } = env;
  const config = loadConfig({
    ...rest,
    ...(PGLITE ? { ROSTER_DATA_DIR: join(dir, 'data') } : { DATABASE_URL, ROSTER_DB_SCHEMA: SCHEMA }),
    LOG_LEVEL: 'silent',
    ROSTER_IMPORT_BATCH_SIZE: env.IMPORT_BATCH ?? env.ROSTER_IMPORT_BATCH_SIZE ?? '1000',
  });
  const registry = await createRegistry(config);
  const tenant = await registry.tenants.createTenant(
    { slug: 'bench', name: 'Bench', hosts: [], defaultCountry: null, allowFreeformAttributes: true } as never,
    CLI_ACTOR,
  );
  const ctx = platformContext(tenant.id, CLI_ACTOR);
  peakRss = process.memoryUsage.rss();
  const baseRss = peakRss;

  const t0 = performance.now();
  const { job } = await registry.imports.createImport(ctx, createReadStream(file, { highWaterMark: 1024 * 1024 }), {
    format: 'ndjson',
    options: { match: 'email', mode: 'upsert', dryRun: false, onError: 'skip' },
  });
  const t1 = performance.now();
  const worker = createImportWorker(registry, { onError: (error) => console.error(error) });
  await worker.runOnce();
  const t2 = performance.now();
  const done = await registry.imports.getImport(ctx, job.id);
  const importRss = peakRss;

  peakRss = process.memoryUsage.rss();
  const t3 = performance.now();
  let exported = 0;
  let exportBytes = 0;
  // The NDJSON text GET /v1/users/export sends (lines built by PostgreSQL), as the route and the CLI stream it.
  for await (const text of await registry.usersExport.exportText(ctx, {}, new Set(), 'ndjson')) {
    exportBytes += Buffer.byteLength(text);
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) exported++;
  }
  const t4 = performance.now();
  const exportRss = peakRss;
  await registry.close();
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });

  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      note: 'load average at the end of the run: other work on the machine skews the figures',
    },
    backend: PGLITE ? 'pglite' : 'postgres',
    rows: ROWS,
    fileMB: mb(bytes),
    batchSize: config.imports.batchSize,
    upload: { seconds: +((t1 - t0) / 1000).toFixed(1) },
    import: {
      status: done.status,
      created: done.created,
      failed: done.failed,
      seconds: +((t2 - t1) / 1000).toFixed(1),
      rowsPerSecond: Math.round(ROWS / ((t2 - t1) / 1000)),
      withUploadRowsPerSecond: Math.round(ROWS / ((t2 - t0) / 1000)),
      peakRssMB: mb(importRss),
      rssBeforeMB: mb(baseRss),
    },
    export: {
      rows: exported,
      MB: mb(exportBytes),
      seconds: +((t4 - t3) / 1000).toFixed(1),
      rowsPerSecond: Math.round(exported / ((t4 - t3) / 1000)),
      peakRssMB: mb(exportRss),
    },
  };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/import-${PGLITE ? 'pglite-' : ''}${ROWS}.json`, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
