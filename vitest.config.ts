import { defineConfig } from 'vitest/config';

const onPostgres = process.env.ROSTER_TEST_BACKEND === 'postgres';

// `*.pg.test.ts` files need PostgreSQL itself (a private cluster they start and stop, server settings PGlite
// does not have): they belong to the PostgreSQL pass only, so the PGlite pass does not include them at all.
// The console's browser suites drive the real server on PostgreSQL (issue 15): they run in that pass only too.
const postgresOnly = ['test/**/*.pg.test.ts', 'test/browser/**'];

// Files that open no database (pure units, the architecture checks, the console's component tests, PGlite's own
// directory lock): a second run on PostgreSQL would test nothing new, so they run in the PGlite pass only.
const storageFree = [
  'console/test/**',
  'test/architecture/**',
  'test/core/**',
  'test/config.test.ts',
  'test/db/startup.test.ts',
  'test/db/data-dir-lock.test.ts',
  'test/e2e/cli-help.test.ts',
  'test/e2e/data-dir-lock.test.ts',
  'test/e2e/fatal-logging.test.ts',
  'test/dialects/error-mappers.test.ts',
  'test/http/errors-catalogue.test.ts',
  'test/http/published-error-codes.test.ts',
  'test/modules/providers/providers-connectors.test.ts',
  'test/modules/providers/providers-units.test.ts',
  'test/modules/users/users-predicate.test.ts',
  'test/scim/filter-parser.test.ts',
  'test/scim/group-mapping.test.ts',
  'test/sdk/types.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'console/test/**/*.test.tsx'],
    exclude: ['**/node_modules/**', ...(onPostgres ? storageFree : postgresOnly)],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own database; two cores run two files at a time.
    maxWorkers: 2,
  },
});
