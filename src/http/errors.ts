import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';
import { safeError } from '../core/safe-error.ts';
import { toDatabaseUnavailable } from '../db/errors.ts';
import { toFieldErrors } from './validation.ts';

/**
 * Maps anything thrown while handling a request to an AppError: framework errors (bad JSON, size,
 * validation) become their 4xx codes; a database that is down, restarting or too slow becomes
 * DATABASE_UNAVAILABLE (503, Retry-After); anything unknown becomes INTERNAL.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // The one place driver errors become an answer: every API's error handler comes through here.
  const unavailable = toDatabaseUnavailable(error);
  if (unavailable) return unavailable;
  const e = error as FastifyError & { validation?: ErrorObject[]; validationContext?: string };
  if (e.validation) {
    const context = e.validationContext ?? 'body';
    const fields = toFieldErrors(e.validation, context === 'body' ? '' : '');
    const code = context === 'body' ? 'VALIDATION_FAILED' : 'INVALID_PARAMETER';
    return new AppError(code, fields.map((f) => `${f.field}: ${f.message}`).join('; '), { in: context }, fields);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('MALFORMED_JSON', 'The body is empty but the content type is JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('INVALID_PARAMETER', 'Content-Length does not match the body', {}, [
        { field: 'content-length', code: 'invalid', message: 'does not match the body' },
      ]);
  }
  if (error instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('MALFORMED_JSON', 'The body is not valid JSON');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('INVALID_PARAMETER', e.message);
  }
  return new AppError('INTERNAL');
}

/** Logs server-side failures with their cause; client errors are not logged as errors. */
export function logIfServerError(request: FastifyRequest, original: unknown, mapped: AppError): void {
  if (mapped.code === 'DATABASE_UNAVAILABLE') {
    // Expected while the database is away (one line per request during an outage): a warning, not an error.
    request.log.warn({ err: safeError(original), reason: mapped.details.reason }, 'database unavailable');
    return;
  }
  if (mapped.status >= 500) request.log.error({ err: original }, 'request failed');
}

export type ErrorResponder = (reply: FastifyReply, request: FastifyRequest, error: AppError) => FastifyReply;
