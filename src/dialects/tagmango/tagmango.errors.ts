import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../core/errors.ts';
import { type DialectErrors, sendEnvelope } from '../envelope.ts';

/** TagMango's error envelope, as its document shows it for 400 and 401. */
export interface TagMangoError {
  code: number;
  type: string;
  statusMessage: string;
  message: string;
  success: false;
}

const STATUSES: Record<number, { type: string; statusMessage: string }> = {
  400: { type: 'Bad request', statusMessage: 'BAD_REQUEST' },
  401: { type: 'Unauthorized', statusMessage: 'UNAUTHORIZED' },
  403: { type: 'Forbidden', statusMessage: 'FORBIDDEN' },
  404: { type: 'Not found', statusMessage: 'NOT_FOUND' },
  405: { type: 'Method not allowed', statusMessage: 'METHOD_NOT_ALLOWED' },
  409: { type: 'Conflict', statusMessage: 'CONFLICT' },
  429: { type: 'Too many requests', statusMessage: 'TOO_MANY_REQUESTS' },
  500: { type: 'Internal server error', statusMessage: 'INTERNAL_SERVER_ERROR' },
  503: { type: 'Service unavailable', statusMessage: 'SERVICE_UNAVAILABLE' },
};

/**
 * The TagMango status of an error. The document knows one status for bad input, so every input problem
 * (422 validation, 413 size, 415 media type) is its 400.
 */
function statusOf(error: AppError): number {
  if (error.status === 413 || error.status === 415 || error.status === 422) return 400;
  if (STATUSES[error.status]) return error.status;
  return error.status >= 500 ? 500 : 400;
}

function messageOf(error: AppError, status: number): string {
  // The document's 401 says exactly this, whatever was wrong with the credentials.
  if (status === 401) return 'Invalid token';
  if (status >= 500) return 'Internal Server Error';
  // The document's 400 says "Invalid request"; the detail after it names what was wrong.
  if (status === 400) return `Invalid request: ${error.message}`;
  return error.message;
}

/** Maps an AppError to TagMango's status and envelope. Pure; never throws. */
export function toTagMangoError(error: AppError): { status: number; body: TagMangoError } {
  const status = statusOf(error);
  const known = STATUSES[status] as { type: string; statusMessage: string };
  return {
    status,
    body: { code: status, type: known.type, statusMessage: known.statusMessage, message: messageOf(error, status), success: false },
  };
}

/** TagMango's error envelope. */
export const TAGMANGO_ERRORS: DialectErrors = {
  name: 'tagmango',
  map: (error) => toTagMangoError(error),
  contentType: 'application/json; charset=utf-8',
  challenge: 'Bearer',
};

/** Sends anything thrown in the TagMango plugin (core AppErrors, framework errors) in TagMango's envelope. */
export function sendTagMangoError(reply: FastifyReply, request: FastifyRequest, thrown: unknown): FastifyReply {
  return sendEnvelope(TAGMANGO_ERRORS, thrown, request, reply);
}
