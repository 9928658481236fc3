import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import { type DialectErrors, sendEnvelope } from '../envelope.ts';
import { toThanxField } from './thanx.mapping.ts';

export interface ThanxErrorBody {
  error: {
    /** Roster's catalogue code, lower-cased (`validation_failed`, `api_key_invalid`, `user_email_taken`, ...). */
    code: string;
    message: string;
    /** Invalid fields, in Thanx's names (`first_name`, `birth_date`, `zip_code`). */
    fields?: { field: string; code: string; message: string }[];
    request_id: string;
  };
}

/** The Thanx envelope for an AppError; a 5xx says nothing but that it happened. */
export function toThanxError(error: AppError, requestId: string): ThanxErrorBody {
  const fields = error.fieldErrors.map((e) => ({ ...e, field: toThanxField(e.field) }));
  // Validation messages list the fields in Roster's names: say them again in Thanx's.
  const renamed = error.code === 'VALIDATION_FAILED' || error.code === 'INVALID_PARAMETER';
  const message =
    error.status >= 500
      ? 'Internal Server Error'
      : renamed && fields.length > 0
        ? fields.map((e) => `${e.field}: ${e.message}`).join('; ')
        : error.message;
  const body: ThanxErrorBody = { error: { code: error.code.toLowerCase(), message, request_id: requestId } };
  if (fields.length > 0) body.error.fields = fields;
  return body;
}

/** Thanx's error envelope: Roster's status, the Thanx body. */
export const THANX_ERRORS: DialectErrors = {
  name: 'thanx',
  map: (error, request) => ({ status: error.status, body: toThanxError(error, String(request.id)) }),
  contentType: 'application/json',
  challenge: 'Bearer',
};

/** Error handler of the Thanx plugin: anything thrown, framework errors included, in the Thanx envelope. */
export function sendThanxError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendEnvelope(THANX_ERRORS, error, request, reply);
}

/** The answer for a route Thanx does not have under /users. */
export function thanxNotFound(request: FastifyRequest): AppError {
  return new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
}
