import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../core/errors.ts';
import { logIfServerError, toAppError } from '../http/errors.ts';
import { ScimError, type ScimType, scimErrorBody } from './protocol/errors.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

const SCIM_TYPES: Partial<Record<string, ScimType>> = {
  USER_EMAIL_TAKEN: 'uniqueness',
  USER_USERNAME_TAKEN: 'uniqueness',
  USER_PHONE_TAKEN: 'uniqueness',
  USER_EXTERNAL_ID_TAKEN: 'uniqueness',
  ATTRIBUTE_VALUE_TAKEN: 'uniqueness',
  GROUP_DISPLAY_NAME_TAKEN: 'uniqueness',
  GROUP_EXTERNAL_ID_TAKEN: 'uniqueness',
  VALIDATION_FAILED: 'invalidValue',
  INVALID_PARAMETER: 'invalidValue',
  USER_IDENTIFIER_REQUIRED: 'invalidValue',
  ATTRIBUTE_UNKNOWN: 'invalidValue',
  BODY_TOO_LARGE: 'tooMany',
};

/** Any error thrown under /scim/v2 as a SCIM error: status, scimType and detail (a 5xx says nothing more). */
export function toScimError(thrown: unknown): { status: number; scimType: ScimType | null; detail: string; appError: AppError | null } {
  if (thrown instanceof ScimError) return { status: thrown.status, scimType: thrown.scimType, detail: thrown.message, appError: null };
  const error = toAppError(thrown);
  const scimType = error.status === 400 || error.status === 409 || error.status === 422 ? (SCIM_TYPES[error.code] ?? null) : null;
  // SCIM has no 422: a value Roster refuses is a 400 invalidValue.
  const status = error.status === 422 ? 400 : error.status;
  const detail = status >= 500 ? 'Internal Server Error' : error.message;
  return { status, scimType: scimType ?? (status === 400 ? 'invalidValue' : null), detail, appError: error };
}

/** The SCIM route scope's error handler. */
export function sendScimError(thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = toScimError(thrown);
  if (mapped.appError) logIfServerError(request, thrown, mapped.appError);
  if (mapped.status === 401) reply.header('www-authenticate', 'Bearer realm="scim"');
  if (mapped.appError?.retryAfterSeconds != null)
    reply.header('retry-after', String(Math.max(1, Math.ceil(mapped.appError.retryAfterSeconds))));
  return reply
    .code(mapped.status)
    .type(SCIM_CONTENT_TYPE)
    .send(scimErrorBody(mapped.status, mapped.scimType, mapped.detail));
}
