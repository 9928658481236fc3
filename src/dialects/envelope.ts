import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../core/errors.ts';
import { logIfServerError, toAppError } from '../http/errors.ts';

/** What a dialect's error mapper may read of the request. */
export type EnvelopeRequest = Pick<FastifyRequest, 'id' | 'method' | 'url'>;

/** One vendor's answer for an AppError: its status and body. */
export interface Envelope {
  status: number;
  body: unknown;
}

/** How one dialect says errors: the mapper, and what it sends besides the body. */
export interface DialectErrors {
  /** The dialect's name, for tests and logs. */
  readonly name: string;
  /** Maps an AppError to the vendor's status and body. Pure; never throws. */
  map(error: AppError, request: EnvelopeRequest): Envelope;
  /** Content type of the error body. */
  readonly contentType: string;
  /** The `WWW-Authenticate` challenge sent with a 401, or null when the vendor sends none. */
  readonly challenge: string | null;
}

/**
 * The headers an error carries in every envelope: `Retry-After` when the error says when to come back (429 rate
 * limits, 503 busy hasher or unavailable database, …) and the dialect's challenge on a 401.
 */
export function errorHeaders(error: AppError, status: number, challenge: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (status === 401 && challenge) headers['www-authenticate'] = challenge;
  const retryAfter = error.retryAfterSeconds;
  if (retryAfter !== null) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return headers;
}

/**
 * Sends anything thrown inside a dialect (core AppErrors, framework errors, unknown failures) in that dialect's
 * envelope: maps it to an AppError, logs server failures with their cause, then sends the mapper's status and body
 * with the error's headers.
 */
export function sendEnvelope(dialect: DialectErrors, thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = toAppError(thrown);
  logIfServerError(request, thrown, error);
  const { status, body } = dialect.map(error, request);
  for (const [name, value] of Object.entries(errorHeaders(error, status, dialect.challenge))) reply.header(name, value);
  return reply.code(status).type(dialect.contentType).send(body);
}
