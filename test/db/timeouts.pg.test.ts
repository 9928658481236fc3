/**
 * The statement timeout and the pool acquire timeout answer quickly with 503 DATABASE_UNAVAILABLE instead of
 * holding the request. PostgreSQL pass only (`*.pg.test.ts`): PGlite has neither a pool nor statement_timeout.
 * Runs plain queries on the run's PostgreSQL; it stops or terminates nothing.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { toAppError } from '../../src/http/errors.ts';
import { testDatabaseUrl } from '../helpers/backend.ts';

const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
});

async function open(options: { statementTimeoutMs?: number; acquireTimeoutMs?: number; poolSize?: number }): Promise<Database> {
  const database = await openDatabase({ url: testDatabaseUrl, dataDir: null, ...options });
  opened.push(database);
  return database;
}

async function failure(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('database timeouts', () => {
  it('a statement past ROSTER_DB_STATEMENT_TIMEOUT_MS fails at that time as 503 (statement_timeout)', async () => {
    const { db } = await open({ statementTimeoutMs: 200 });
    const { error, ms } = await failure(sql`select pg_sleep(5)`.execute(db));
    expect(error).toMatchObject({ code: '57014' });
    expect(ms).toBeLessThan(4000);
    expect(toAppError(error)).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      status: 503,
      details: { reason: 'statement_timeout', retryAfterSeconds: 1 },
    });
    // The connection is still good afterwards.
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]?.one).toBe(1);
  });

  it('no free connection within ROSTER_DB_ACQUIRE_TIMEOUT_MS fails at that time as 503 (acquire_timeout)', async () => {
    const { db } = await open({ acquireTimeoutMs: 300, poolSize: 1 });
    const holding = sql`select pg_sleep(2)`.execute(db);
    const { error, ms } = await failure(sql`select 1`.execute(db));
    expect(error).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(1800);
    expect(toAppError(error)).toMatchObject({ code: 'DATABASE_UNAVAILABLE', details: { reason: 'acquire_timeout' } });
    await holding;
  });

  it('without a statement timeout, a long statement completes', async () => {
    const { db } = await open({ statementTimeoutMs: 0 });
    await expect(sql`select pg_sleep(0.3)`.execute(db)).resolves.toBeDefined();
  });
});
