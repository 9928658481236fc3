/**
 * safeError keeps what helps an operator (type, message, SQLSTATE, severity, constraint) and drops what pg hangs
 * on its errors: the client (connection parameters with the password, the backend's process id and cancel key)
 * and a failed statement's parameters.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { safeError } from '../../src/core/safe-error.ts';
import { loggerOptions } from '../../src/http/logger.ts';

/** A pg client as pg-pool attaches it to an idle connection's error, after the backend said who it is. */
function connectedLookingClient(): pg.Client {
  const client = new pg.Client({ connectionString: 'postgres://roster:hunter2-db-password@db.internal:5432/roster' });
  Object.assign(client, { processID: 4242, secretKey: 918273645 });
  return client;
}

function idleError(): Error {
  const error = new pg.DatabaseError('terminating connection due to administrator command', 60, 'error');
  error.code = '57P01';
  error.severity = 'FATAL';
  return Object.assign(error, { client: connectedLookingClient(), params: ['jane@example.com'] });
}

describe('safeError', () => {
  it('reduces a pg error to safe fields', () => {
    const safe = safeError(idleError());
    expect(safe).toMatchObject({
      type: 'error',
      code: '57P01',
      severity: 'FATAL',
      message: 'terminating connection due to administrator command',
    });
    const text = JSON.stringify(safe);
    for (const leaked of ['hunter2', '918273645', '4242', 'jane@example.com', 'db.internal', 'connectionParameters']) {
      expect(text).not.toContain(leaked);
    }
  });

  it('follows cause and AggregateError, and copes with anything thrown', () => {
    const wrapped = new Error('start-up failed', { cause: new AggregateError([idleError()], 'all attempts failed') });
    const safe = safeError(wrapped);
    expect(safe.cause?.errors?.[0]).toMatchObject({ code: '57P01' });
    expect(JSON.stringify(safe)).not.toContain('hunter2');
    expect(safeError('just text')).toEqual({ type: 'string', message: 'just text' });
    expect(safeError(null)).toEqual({ type: 'object', message: 'null' });
    const circular: Record<string, unknown> = { message: 'loop' };
    circular.cause = circular;
    expect(() => JSON.stringify(safeError(circular))).not.toThrow();
  });

  it('is the serializer of `err` in the app and process loggers', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        out += chunk;
        done();
      },
    });
    const options = loggerOptions('info');
    const log = pino(typeof options === 'object' ? options : {}, sink);
    log.error({ err: idleError() }, 'connection lost');
    const line = JSON.parse(out) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ code: '57P01', severity: 'FATAL' });
    expect(out).not.toMatch(/hunter2|918273645|secretKey|processID|jane@example\.com/);
  });
});
