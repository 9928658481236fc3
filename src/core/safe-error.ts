/**
 * What of an error may be logged. Driver errors carry far more than their cause: pg-pool attaches the whole
 * client to an idle connection's error (`err.client`: connection parameters, the backend's process id and
 * cancel key), and a failed statement's error carries its parameters (personal data). Only named, harmless
 * fields are kept, recursively through `cause` and AggregateError's `errors`.
 */
export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  /** SQLSTATE, Node's errno code, or a framework's code. */
  code?: string;
  severity?: string;
  constraint?: string;
  table?: string;
  column?: string;
  statusCode?: number;
  cause?: SafeError;
  errors?: SafeError[];
}

const TEXT_FIELDS = ['code', 'severity', 'constraint', 'table', 'column'] as const;

/** A loggable copy of anything thrown; never throws. */
export function safeError(error: unknown, depth = 0): SafeError {
  if (typeof error !== 'object' || error === null) return { type: typeof error, message: String(error).slice(0, 500) };
  const e = error as Record<string, unknown>;
  const safe: SafeError = {
    type: typeof e.name === 'string' ? e.name : (error.constructor?.name ?? 'Object'),
    message: typeof e.message === 'string' ? e.message : '',
  };
  if (typeof e.stack === 'string') safe.stack = e.stack;
  for (const field of TEXT_FIELDS) {
    const value = e[field];
    if (typeof value === 'string') safe[field] = value;
  }
  if (typeof e.statusCode === 'number') safe.statusCode = e.statusCode;
  if (depth < 3) {
    if (e.cause !== undefined) safe.cause = safeError(e.cause, depth + 1);
    if (Array.isArray(e.errors)) safe.errors = e.errors.slice(0, 10).map((inner) => safeError(inner, depth + 1));
  }
  return safe;
}
