import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode, type FieldError } from '../core/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** RFC 9457 problem document for an AppError. */
export function toProblem(error: AppError, request: FastifyRequest): Problem {
  const entry = ERRORS[error.code];
  const problem: Problem = {
    ...error.details,
    type: `urn:roster:error:${error.code}`,
    title: entry.title,
    status: error.status,
    code: error.code,
    detail: error.status >= 500 ? entry.title : error.message,
    instance: request.url.split('?')[0] ?? '',
    requestId: String(request.id),
  };
  if (error.fieldErrors.length > 0) problem.errors = error.fieldErrors;
  return problem;
}

/** Sends an AppError as application/problem+json. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: AppError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Bearer');
  // 429 and 503 say when to come back; services put the delay in details.retryAfterSeconds.
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  return reply.code(error.status).type('application/problem+json').send(toProblem(error, request));
}

export function appError(code: ErrorCode, message?: string, details?: Record<string, unknown>, fields?: FieldError[]): AppError {
  return new AppError(code, message, details, fields);
}
