import { defineConfig } from 'vitest/config';

// `*.pg.test.ts` files need PostgreSQL itself (a private cluster they start and stop, server settings PGlite
// does not have): they belong to the PostgreSQL pass only, so the PGlite pass does not include them at all.
const postgresOnly = process.env.ROSTER_TEST_BACKEND === 'postgres' ? [] : ['test/**/*.pg.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'console/test/**/*.test.tsx'],
    exclude: ['**/node_modules/**', ...postgresOnly],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own database; two cores run two files at a time.
    maxWorkers: 2,
  },
});
