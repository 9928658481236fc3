import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, type FieldError } from '../../core/errors.ts';
import { type DialectErrors, sendEnvelope } from '../envelope.ts';
import { toPublicaLaField } from './publicala.mapping.ts';

/** Laravel's JSON error body: a message and, for a 422, the reasons by field. */
export interface PublicaLaErrorBody {
  message: string;
  errors?: Record<string, string[]>;
}

/** Codes a Laravel app reports as a validation failure (422), each field with its reason. */
const UNPROCESSABLE = new Set<ErrorCode>([
  'VALIDATION_FAILED',
  'USER_EMAIL_TAKEN',
  'USER_USERNAME_TAKEN',
  'USER_PHONE_TAKEN',
  'USER_EXTERNAL_ID_TAKEN',
  'USER_IDENTIFIER_REQUIRED',
]);

/** The messages Laravel's own exception handler gives these statuses. */
const LARAVEL_MESSAGES: Record<number, string> = {
  401: 'Unauthenticated.',
  403: 'This action is unauthorized.',
  429: 'Too Many Attempts.',
  500: 'Server Error',
  503: 'Service Unavailable',
};

/** A field error in the words of Laravel's validator ("The email field is required."). */
export function laravelMessage(field: string, error: FieldError): string {
  const attribute = field.replaceAll('_', ' ');
  if (error.code === 'required') return `The ${attribute} field is required.`;
  if (error.code === 'taken') return `The ${attribute} has already been taken.`;
  if (error.code === 'not_found') return `The selected ${attribute} is invalid.`;
  return `The ${attribute} field ${error.message.replace(/\.$/, '')}.`;
}

function isUnprocessable(error: AppError): boolean {
  if (UNPROCESSABLE.has(error.code)) return true;
  // Query parameters are validated like the body in Laravel; an unknown plan is its `exists` rule failing.
  return (error.code === 'INVALID_PARAMETER' || error.code === 'PLAN_NOT_FOUND') && error.fieldErrors.length > 0;
}

/** Maps an AppError to Publica.la's status and body. Pure; never throws. */
export function toPublicaLaError(error: AppError): { status: number; body: PublicaLaErrorBody } {
  if (isUnprocessable(error)) {
    // A Map, then fromEntries: a field named `constructor` or `__proto__` is a key of the answer, not a prototype member.
    const byField = new Map<string, string[]>();
    for (const fieldError of error.fieldErrors) {
      const field = toPublicaLaField(fieldError.field);
      const message = laravelMessage(field, fieldError);
      byField.set(field, [...new Set([...(byField.get(field) ?? []), message])]);
    }
    const errors: Record<string, string[]> = Object.fromEntries(byField);
    const messages = [...byField.values()].flat();
    if (messages.length === 0) return { status: 422, body: { message: error.message, errors: {} } };
    const more = messages.length - 1;
    const message = more > 0 ? `${messages[0]} (and ${more} more error${more > 1 ? 's' : ''})` : (messages[0] as string);
    return { status: 422, body: { message, errors } };
  }
  const status = error.status >= 500 ? (error.status === 503 ? 503 : 500) : error.status;
  return { status, body: { message: LARAVEL_MESSAGES[status] ?? error.message } };
}

/** Laravel's error envelope; Laravel's token guard sends no `WWW-Authenticate`. */
export const PUBLICALA_ERRORS: DialectErrors = {
  name: 'publicala',
  map: (error) => toPublicaLaError(error),
  contentType: 'application/json',
  challenge: null,
};

/** Sends anything thrown in the Publica.la plugin (core AppErrors, framework errors) as Laravel would. */
export function sendPublicaLaError(thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendEnvelope(PUBLICALA_ERRORS, thrown, request, reply);
}

/** Laravel's answer for a path or method it has no route for. */
export function publicaLaNotFound(request: FastifyRequest): AppError {
  return new AppError('NOT_FOUND', `The route ${request.url.split('?')[0]?.replace(/^\//, '')} could not be found.`);
}
