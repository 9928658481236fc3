/**
 * `npm run bench:scale`: Roster's directory operations against one tenant as it grows to each size in
 * BENCH_SCALE_SIZES (default 10000,100000,1000000) on PostgreSQL. Users are loaded server-side
 * (`INSERT … SELECT generate_series`, the same columns Roster writes; the bulk import will replace it), then
 * the tables are ANALYZEd with Roster's own helper, then each operation runs BENCH_SCALE_OPS times, one at a time,
 * through the same use cases the HTTP routes call (in process: this measures the database work and the core,
 * not HTTP; `npm run bench` measures HTTP). Prints p50/p99 per operation and size, writes
 * bench/results/scale-<time>.json and draws docs/perf/scale-p50.svg and docs/perf/scale-p99.svg.
 *
 * Env: BENCH_SCALE_SIZES, BENCH_SCALE_OPS (default 300), BENCH_DATABASE_URL (else DATABASE_URL, else the local
 * test database), BENCH_SCALE_SCHEMA (default roster_perf_scale; dropped and recreated).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import type { ActorContext } from '../src/core/context.ts';
import { analyzeTables } from '../src/db/analyze.ts';
import { userNumberSequence } from '../src/modules/tenants/tenants.repository.ts';
import { createRegistry } from '../src/registry.ts';
import { lineChart } from './svg-chart.ts';

const env = process.env;
const SIZES = (env.BENCH_SCALE_SIZES ?? '10000,100000,1000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const OPS = Number(env.BENCH_SCALE_OPS ?? 300);
const URL = env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = env.BENCH_SCALE_SCHEMA ?? 'roster_perf_scale';
const root = new globalThis.URL('..', import.meta.url).pathname;

type Op = 'lookup' | 'find-or-create' | 'list page' | 'deep list page' | 'q search' | 'count' | 'count status';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const registry = await createRegistry(
    loadConfig({ DATABASE_URL: URL, ROSTER_DB_SCHEMA: SCHEMA, LOG_LEVEL: 'silent', ROSTER_ADMIN_TOKEN: 'bench-admin-token-0123456789' }),
  );
  const tenant = await registry.tenants.createTenant({ slug: 'scale', name: 'Scale' }, { actor: 'admin', requestId: 'bench' });
  const ctx: ActorContext = { tenantId: tenant.id, actor: 'bench', brand: null, scopes: null, source: null, requestId: 'bench' };
  const results: Record<string, Record<Op, { p50: number; p99: number }>> = {};
  let loaded = 0;
  let fresh = 0;
  for (const size of SIZES) {
    const started = Date.now();
    // Server-side, in batches of 100k: one statement per batch keeps memory flat.
    for (let from = loaded; from < size; from += 100_000) {
      const to = Math.min(size, from + 100_000);
      await admin.query(
        `INSERT INTO ${SCHEMA}.users (tenant_id, id, number, email, phone, external_id, first_name, last_name, name, search_text, created_at, updated_at)
         SELECT $1, gen_random_uuid(), nextval($2::regclass), 'u' || n || '@scale.test', '+1415' || lpad(n::text, 7, '0'), 'x' || n,
                'First' || n, 'Last' || n, 'First' || n || ' Last' || n,
                lower('First' || n || ' Last' || n || ' Last' || n || ' u' || n || '@scale.test +1415' || lpad(n::text, 7, '0') || ' x' || n),
                now() - make_interval(secs => $4 - n), now()
         FROM generate_series($3::int, $4::int - 1) AS n`,
        [tenant.id, `${SCHEMA}.${userNumberSequence(tenant.id)}`, from, to],
      );
    }
    loaded = size;
    await analyzeTables(registry.db, ['users', 'user_counts']);
    process.stdout.write(`loaded ${size} users (+ANALYZE) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const pick = () => Math.floor(Math.random() * size);
    let deepCursor: string | null = null;
    {
      // A cursor about half-way through the tenant, found once.
      const page = await registry.usersQuery.listUsers(ctx, { limit: 1, page: Math.min(100_000, Math.floor(size / 2)) + 1 });
      deepCursor = page.nextCursor;
    }
    const ops: Record<Op, () => Promise<unknown>> = {
      lookup: () => registry.usersQuery.lookupUser(ctx, { email: `u${pick()}@scale.test` }),
      'find-or-create': () =>
        registry.userChanges.applyUserChange(
          ctx,
          { kind: 'find-or-create' },
          // Half existing, half new.
          { profile: { email: Math.random() < 0.5 ? `u${pick()}@scale.test` : `new${size}-${fresh++}@scale.test` } },
        ),
      'list page': () => registry.usersQuery.listUsers(ctx, { limit: 50 }),
      'deep list page': () => registry.usersQuery.listUsers(ctx, { limit: 50, cursor: deepCursor ?? undefined }),
      'q search': () => registry.usersQuery.listUsers(ctx, { limit: 50, q: `last${pick()}` }),
      count: () => registry.usersQuery.listUsers(ctx, { limit: 50, count: true }),
      'count status': () => registry.usersQuery.listUsers(ctx, { limit: 50, count: true, status: 'active' }),
    };
    results[size] = {} as Record<Op, { p50: number; p99: number }>;
    for (const [name, run] of Object.entries(ops) as [Op, () => Promise<unknown>][]) {
      for (let i = 0; i < Math.min(20, OPS); i++) await run();
      const samples: number[] = [];
      for (let i = 0; i < OPS; i++) {
        const t0 = performance.now();
        await run();
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      results[size][name] = { p50: percentile(samples, 50), p99: percentile(samples, 99) };
      process.stdout.write(
        `  ${size.toString().padStart(8)}  ${name.padEnd(15)} p50 ${results[size][name].p50.toFixed(2)} ms  p99 ${results[size][name].p99.toFixed(2)} ms\n`,
      );
    }
  }
  await registry.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, `bench/results/scale-${stamp}.json`), `${JSON.stringify({ sizes: SIZES, ops: OPS, results }, null, 2)}\n`);
  mkdirSync(join(root, 'docs/perf'), { recursive: true });
  for (const stat of ['p50', 'p99'] as const) {
    const names = Object.keys(results[SIZES[0] as number] ?? {}) as Op[];
    const svg = lineChart({
      title: `Roster ${stat} by tenant size (ms, in-process use cases, PostgreSQL)`,
      xs: SIZES,
      series: names.map((name) => ({ name, ys: SIZES.map((size) => results[size]?.[name][stat] ?? Number.NaN) })),
    });
    writeFileSync(join(root, `docs/perf/scale-${stat}.svg`), svg);
  }
  process.stdout.write(`wrote bench/results/scale-${stamp}.json, docs/perf/scale-p50.svg, docs/perf/scale-p99.svg\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
