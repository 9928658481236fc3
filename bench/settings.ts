/** The bench's settings, read once from the environment (see bench/run.ts for the list). */
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
export const DURATION = Number(env.BENCH_DURATION ?? 10);
export const WARMUP = Number(env.BENCH_WARMUP ?? 2);
export const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS ?? 2));
export const CONNECTIONS = 32;
export const DATABASE_URL = env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SCHEMA = env.BENCH_SCHEMA ?? 'roster_bench';
export const SEED_USERS = Number(env.BENCH_SEED_USERS ?? 10_000);
/** BENCH_CPU_PROF=1 (or roster) profiles Roster, thin the thin server, all both. */
export const PROFILE = ['1', 'roster', 'all'].includes(env.BENCH_CPU_PROF ?? '');
export const PROFILE_THIN = ['thin', 'all'].includes(env.BENCH_CPU_PROF ?? '');
export const STRICT = env.BENCH_STRICT === '1';
export const ROSTER_POOL = env.ROSTER_DB_POOL_SIZE;
export const THIN_POOL = env.BENCH_THIN_POOL_SIZE ?? ROSTER_POOL ?? '20';
/** Another checkout to run as Roster (before/after comparisons); the thin server always comes from this one. */
export const ROSTER_DIR = resolve(env.BENCH_ROSTER_DIR ?? root);
/** Node flags for the Roster child: by default the same V8 flag as `npm start`; override to experiment. */
export const ROSTER_NODE_ARGS = (env.BENCH_ROSTER_NODE_ARGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean);
export const TARGETS = new Set((env.BENCH_TARGETS ?? 'roster,thin,native').split(','));
export const SELECTED = env.BENCH_SCENARIOS ? new Set(env.BENCH_SCENARIOS.split(',')) : null;
/** The host the bench tenant serves TagMango's API under (`x-whitelabel-host`). */
export const TAGMANGO_HOST = 'bench.tagmango.test';
/** Dialect / native req/s the vendor dialects must reach (issue 5: within 15 %). */
export const DIALECT_RATIO_TARGET = 0.85;
export const ADMIN_TOKEN = `bench-${randomBytes(16).toString('hex')}`;
export const P99_TARGET_MS = 25;
export const HASHES = Number(env.BENCH_HASHES ?? 80);
export const SIGNIN_USERS = Math.max(1, Number(env.BENCH_SIGNIN_USERS ?? 64));
export const SIGNIN_CONNECTIONS = Math.max(1, Number(env.BENCH_SIGNIN_CONNECTIONS ?? 8));
export const SIGNIN_PASSWORD = 'bench password: correct horse battery staple';
/** Share of find-or-create requests with a new email (BENCH_FOC_NEW_SHARE). */
export const FOC_NEW_SHARE = Number(env.BENCH_FOC_NEW_SHARE ?? 0.5);
