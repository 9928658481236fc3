/** Defaults of `npm run bench:peers`, set before bench/settings.ts reads the environment (imported first). */
process.env.BENCH_SCHEMA ??= 'roster_peers';
process.env.BENCH_SEED_USERS ??= '100000';
process.env.BENCH_DURATION ??= '6';
process.env.BENCH_ROUNDS ??= '3';
process.env.BENCH_WARMUP ??= '1';
