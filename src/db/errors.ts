import { AppError } from '../core/errors.ts';

/** The name of the unique constraint a database error violated, if it is a unique violation. */
export function uniqueViolation(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code !== '23505') return null;
  if (e.constraint) return e.constraint;
  // PGlite reports the constraint only in the message.
  const match = /unique constraint "([^"]+)"/.exec(e.message ?? '');
  return match ? match[1] : 'unknown';
}

/**
 * Why the database could not serve a statement, when that is a condition that passes by itself:
 * - `unreachable`: no connection (refused, reset, dropped, the server shutting down or starting up, too many
 *   connections, DNS down);
 * - `statement_timeout`: the statement ran past `statement_timeout` (57014) or pg's client-side query timeout;
 * - `acquire_timeout`: the pool had no connection to give within `connectionTimeoutMillis`.
 */
export type DatabaseUnavailability = 'unreachable' | 'statement_timeout' | 'acquire_timeout';

// Socket errors Node reports for a peer that is down, gone or unreachable.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// SQLSTATEs of a server that is going away or cannot take the connection: 57P01 admin_shutdown
// (pg_terminate_backend, a fast stop), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
// shutting down), 53300 too_many_connections. Class 08 (connection exception) is matched by prefix.
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

// Messages pg and pg-pool give their own errors, which carry no code.
const UNREACHABLE_MESSAGES = [
  /^Connection terminated/, // "Connection terminated", "… unexpectedly" (the connection dropped under a client)
  /is not queryable$/, // a client that already saw its connection fail
  /^Client has encountered a connection error/,
];
const ACQUIRE_TIMEOUT_MESSAGE = /^timeout exceeded when trying to connect$/;
const QUERY_TIMEOUT_MESSAGE = /^Query read timeout$/;

/**
 * Classifies a driver error; null when it is not about availability (a syntax error, a constraint violation,
 * a bug), which must stay a 500.
 */
export function databaseUnavailability(error: unknown, depth = 0): DatabaseUnavailability | null {
  if (typeof error !== 'object' || error === null || depth > 3) return null;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === '57014') return 'statement_timeout';
  if (UNREACHABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || SOCKET_CODES.has(code)) return 'unreachable';
  if (code === '') {
    if (ACQUIRE_TIMEOUT_MESSAGE.test(message)) return 'acquire_timeout';
    if (QUERY_TIMEOUT_MESSAGE.test(message)) return 'statement_timeout';
    if (UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))) return 'unreachable';
  }
  // Node reports a refused connection to a name with several addresses as an AggregateError of each attempt;
  // pg-pool wraps a connect timeout's socket error as its cause.
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const kinds = e.errors.map((inner) => databaseUnavailability(inner, depth + 1));
    if (kinds.every((kind) => kind !== null)) return kinds[0] ?? null;
  }
  if (e.cause !== undefined) return databaseUnavailability(e.cause, depth + 1);
  return null;
}

/** Seconds a client is told to wait before retrying after DATABASE_UNAVAILABLE. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * The AppError for a driver error that means the database is unavailable (503 DATABASE_UNAVAILABLE with
 * `retryAfterSeconds`, which every envelope turns into `Retry-After`); null for any other error.
 */
export function toDatabaseUnavailable(error: unknown): AppError | null {
  const reason = databaseUnavailability(error);
  if (reason === null) return null;
  return databaseUnavailable(reason);
}

/** DATABASE_UNAVAILABLE for a known reason (also answered while the database is not yet reachable at start-up). */
export function databaseUnavailable(reason: DatabaseUnavailability | 'starting'): AppError {
  const message =
    reason === 'statement_timeout'
      ? 'The database did not answer in time; retry shortly'
      : reason === 'acquire_timeout'
        ? 'No database connection was free in time; retry shortly'
        : 'The database is unavailable; retry shortly';
  return new AppError('DATABASE_UNAVAILABLE', message, { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS, reason });
}

/** For each unique constraint a repository's writes may violate, the catalogue error it means to the caller. */
export type UniqueRules = Readonly<Record<string, () => AppError>>;

/**
 * The catalogue error a unique violation of one of `rules`' constraints means; any other error unchanged. Repositories
 * call this (through withUniqueRules) so services see `*_TAKEN` / `*_EXISTS` codes, never SQLSTATE 23505.
 */
export function translateUniqueViolation(error: unknown, rules: UniqueRules): unknown {
  const constraint = uniqueViolation(error);
  const rule = constraint === null ? undefined : rules[constraint];
  return rule ? rule() : error;
}

/**
 * Runs one repository statement, translating a unique violation of a known constraint into its catalogue code.
 * @throws AppError the rule's code for a known constraint; any other database error unchanged.
 */
export async function withUniqueRules<T>(rules: UniqueRules, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateUniqueViolation(error, rules);
  }
}
