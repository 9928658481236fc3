import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../core/errors.ts';
import { type DialectErrors, sendEnvelope } from '../envelope.ts';
import { toUserComField } from './usercom.mapping.ts';

/** Django REST framework's envelope, which User.com's public API answers with. */
export type UserComErrorBody = { detail: string } | Record<string, string[]>;

/** A DRF-style sentence: capitalized, ending with a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function fieldMessage(error: FieldError): string {
  if (error.code === 'required') return 'This field is required.';
  if (error.code === 'unknown_field') return 'This attribute is not allowed here; set custom attributes with Set attribute.';
  if (error.code === 'ATTRIBUTE_NOT_DEFINED') return 'Attribute is not defined for this app.';
  return sentence(error.message);
}

/** `{"<field>": ["<message>", ...]}` in User.com's field names. */
function fieldErrors(errors: FieldError[]): Record<string, string[]> {
  // A Map, then fromEntries: a field named `__proto__` (a refused attribute name) stays a key of the answer.
  const out = new Map<string, string[]>();
  for (const error of errors) {
    const field = toUserComField(error.field);
    out.set(field, [...(out.get(field) ?? []), fieldMessage(error)]);
  }
  return Object.fromEntries(out);
}

function detailOf(error: AppError, method: string): string {
  switch (error.code) {
    case 'AUTH_REQUIRED':
      return 'Authentication credentials were not provided.';
    case 'API_KEY_INVALID':
      return 'Invalid token.';
    case 'NOT_FOUND':
    case 'USER_NOT_FOUND':
      return 'Not found.';
    case 'METHOD_NOT_ALLOWED':
      return `Method "${method}" not allowed.`;
    case 'MALFORMED_JSON':
      return `JSON parse error - ${error.message}`;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'Unsupported media type in request; send application/json or application/x-www-form-urlencoded.';
    case 'RATE_LIMITED': {
      const seconds = error.details.retryAfterSeconds;
      return typeof seconds === 'number'
        ? `Request was throttled. Expected available in ${Math.max(1, Math.ceil(seconds))} seconds.`
        : 'Request was throttled.';
    }
  }
  return error.status >= 500 && error.status !== 503 ? 'A server error occurred.' : sentence(error.message);
}

/**
 * User.com's status and DRF body for an AppError. Invalid input, whether the schema, the core or a unique value
 * refused it, is a 400 keyed by the field (as a DRF serializer answers); everything else is `{"detail": ...}`.
 * Pure; never throws.
 */
export function toUserComError(error: AppError, method: string): { status: number; body: UserComErrorBody } {
  if (error.fieldErrors.length > 0 && error.status < 500 && error.status !== 401 && error.status !== 403) {
    return { status: 400, body: fieldErrors(error.fieldErrors) };
  }
  const status = error.status === 422 ? 400 : error.status;
  return { status, body: { detail: detailOf(error, method) } };
}

/**
 * A core error of Set attribute, where the attribute is named by the body's `attribute` and its value is `value`:
 * an undefined or misnamed attribute is `attribute`'s fault, a wrong type `value`'s, each message naming it.
 */
export function forSingleAttribute(thrown: unknown, name: string): unknown {
  if (!(thrown instanceof AppError) || thrown.fieldErrors.length === 0) return thrown;
  const fields = thrown.fieldErrors.map((error) => {
    if (error.field !== `attributes.${name}`) return error;
    const field = error.code === 'ATTRIBUTE_TYPE_MISMATCH' || error.code === 'taken' ? 'value' : 'attribute';
    const reason = error.code === 'ATTRIBUTE_NOT_DEFINED' ? 'is not defined for this app' : error.message;
    return { field, code: 'invalid', message: `Attribute "${name}" ${reason}` };
  });
  return new AppError(thrown.code, thrown.message, thrown.details, fields);
}

/** DRF's error envelope; DRF's TokenAuthentication names its scheme on every 401. */
export const USERCOM_ERRORS: DialectErrors = {
  name: 'usercom',
  map: (error, request) => toUserComError(error, request.method),
  contentType: 'application/json',
  challenge: 'Token',
};

/** Sends anything thrown in the User.com plugin (core AppErrors, framework errors) in DRF's envelope. */
export function sendUserComError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendEnvelope(USERCOM_ERRORS, error, request, reply);
}
