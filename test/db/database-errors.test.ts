/**
 * Which driver errors mean "the database is unavailable" (503 DATABASE_UNAVAILABLE, Retry-After) and which are
 * real bugs that stay a 500: the classification is precise both ways.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/children.ts';
import type { Database } from '../../src/db/database.ts';
import { databaseUnavailability, toDatabaseUnavailable } from '../../src/db/errors.ts';
import { toAppError } from '../../src/http/errors.ts';
import { testDatabase } from '../helpers/app.ts';

/** A pg DatabaseError as the driver builds it from a server's ErrorResponse. */
function serverError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1, syscall: 'connect' });
}

describe('databaseUnavailability', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to crash of another server process'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
    ['08001', 'could not connect'],
    ['08P01', 'protocol violation'],
  ])('SQLSTATE %s (%s) is unreachable', (code, message) => {
    expect(databaseUnavailability(serverError(code, message))).toBe('unreachable');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])('socket error %s is unreachable', (code) => {
    expect(databaseUnavailability(socketError(code))).toBe('unreachable');
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable',
  ])('pg message "%s" is unreachable', (message) => {
    expect(databaseUnavailability(new Error(message))).toBe('unreachable');
  });

  it('statement_timeout (57014) and pg-pool acquire timeout have their own reasons', () => {
    expect(databaseUnavailability(serverError('57014', 'canceling statement due to statement timeout'))).toBe('statement_timeout');
    expect(databaseUnavailability(new Error('timeout exceeded when trying to connect'))).toBe('acquire_timeout');
    expect(databaseUnavailability(new Error('Query read timeout'))).toBe('statement_timeout');
  });

  it('looks through AggregateError (a name with several addresses) and cause', () => {
    const both = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], '');
    expect(databaseUnavailability(both)).toBe('unreachable');
    expect(databaseUnavailability(new Error('wrapped', { cause: socketError('ECONNRESET') }))).toBe('unreachable');
    // Only when every attempt failed for availability.
    expect(databaseUnavailability(new AggregateError([socketError('ECONNREFUSED'), new TypeError('bug')], ''))).toBeNull();
  });

  it.each([
    ['42601', 'syntax error at or near "selec"'],
    ['23505', 'duplicate key value violates unique constraint "users_tenant_email_key"'],
    ['23503', 'insert or update violates foreign key constraint'],
    ['22P02', 'invalid input syntax for type uuid'],
    ['42P01', 'relation "nope" does not exist'],
    ['28P01', 'password authentication failed for user "postgres"'],
    ['40001', 'could not serialize access due to concurrent update'],
  ])('a real bug or a misconfiguration (%s) is not unavailability', (code, message) => {
    expect(databaseUnavailability(serverError(code, message))).toBeNull();
    expect(toAppError(serverError(code, message)).code).toBe('INTERNAL');
  });

  it('ignores non-errors and code-less errors with other messages', () => {
    for (const value of [null, undefined, 'Connection terminated', 42, {}, new Error('boom'), new TypeError('x is undefined')]) {
      expect(databaseUnavailability(value)).toBeNull();
    }
    // A coded error's message is not read: only pg's own code-less errors are matched by message.
    expect(databaseUnavailability(Object.assign(new Error('Connection terminated'), { code: '23505' }))).toBeNull();
  });
});

describe('real driver errors', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });

  it('a refused connection becomes 503 DATABASE_UNAVAILABLE with retryAfterSeconds', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/none` });
    const error = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    const mapped = toAppError(error);
    expect(mapped).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503, details: { retryAfterSeconds: 1, reason: 'unreachable' } });
  });

  it('syntax errors, bad casts and unique violations from the database stay 500 INTERNAL', async () => {
    const { db } = database;
    const failures: unknown[] = [];
    const capture = (p: Promise<unknown>) =>
      p.then(
        () => failures.push(null),
        (e: unknown) => failures.push(e),
      );
    await capture(sql`selec 1`.execute(db));
    await capture(sql`select 'nope'::uuid`.execute(db));
    await capture(sql`select 1 / 0`.execute(db));
    await capture(
      db.transaction().execute(async (trx) => {
        await sql`create temp table dbres_unique (id int primary key) on commit drop`.execute(trx);
        await sql`insert into dbres_unique values (1), (1)`.execute(trx);
      }),
    );
    expect(failures).toHaveLength(4);
    for (const failure of failures) {
      expect(failure).not.toBeNull();
      expect(toDatabaseUnavailable(failure)).toBeNull();
      expect(toAppError(failure).code).toBe('INTERNAL');
    }
  });
});
