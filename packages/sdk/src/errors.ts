import { ERROR_CODES } from './generated/error-codes.ts';

/** A code of Roster's error catalogue (docs/errors.md), generated from src/core/errors.ts. */
export type RosterErrorCode = (typeof ERROR_CODES)[number];

/** Codes the client raises itself: no answer came, or a webhook did not verify. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'WEBHOOK_SIGNATURE_INVALID';

/** One invalid field of a request (422 VALIDATION_FAILED and friends). */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** A problem document Roster answered, or a client-side failure (ClientErrorCode; status 0 when no answer came). */
export class RosterError<C extends RosterErrorCode | ClientErrorCode = RosterErrorCode | ClientErrorCode> extends Error {
  readonly status: number;
  readonly code: C;
  readonly errors: FieldError[];
  readonly requestId: string | null;
  /** The whole problem document (extensions included), or null when there was none. */
  readonly problem: Record<string, unknown> | null;
  /** Seconds the server asked to wait (Retry-After), or null. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: C;
    message: string;
    errors?: FieldError[];
    requestId?: string | null;
    problem?: Record<string, unknown> | null;
    retryAfter?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RosterError';
    this.status = init.status;
    this.code = init.code;
    this.errors = init.errors ?? [];
    this.requestId = init.requestId ?? null;
    this.problem = init.problem ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }
}

/** True when `error` is a RosterError (with `code`, when given); narrows `error.code` to it. */
export function isRosterError<C extends RosterErrorCode | ClientErrorCode>(error: unknown, code?: C): error is RosterError<C> {
  return error instanceof RosterError && (code === undefined || error.code === code);
}
