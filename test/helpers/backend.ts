/** Which storage the suite runs on: set by scripts/test.mjs (pglite by default). */
export type TestBackend = 'pglite' | 'postgres';

export const backend: TestBackend = process.env.ROSTER_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Schema the PostgreSQL run uses; recreated at the start of every run. */
export const testSchema = process.env.ROSTER_TEST_SCHEMA ?? 'roster_test';
