import { AppError, ERRORS, type ErrorCode, type FieldError, invalidField } from './errors.ts';

/** The catalogue codes that say "no such thing". */
export type NotFoundCode = Extract<ErrorCode, `${string}_NOT_FOUND`>;

/** The catalogue codes that say "this value belongs to another record". */
export type TakenCode = Extract<ErrorCode, `${string}_TAKEN` | `${string}_EXISTS`>;

/**
 * A failure listing every invalid field (VALIDATION_FAILED for a body, INVALID_PARAMETER for a query or a header);
 * the message joins them as `field: message; …`.
 */
export function validationFailed(errors: FieldError[], code: 'VALIDATION_FAILED' | 'INVALID_PARAMETER' = 'VALIDATION_FAILED'): AppError {
  return new AppError(code, errors.map((e) => `${e.field}: ${e.message}`).join('; '), {}, errors);
}

/** INVALID_PARAMETER naming one query parameter, path parameter or header. */
export function invalidParameter(field: string, message: string, code = 'invalid'): AppError {
  return invalidField(field, message, code, 'INVALID_PARAMETER');
}

/**
 * A `*_NOT_FOUND` carrying the reference the caller used in `details`. The message defaults to the catalogue
 * title; `field` names the body field the reference came from, for dialects that report it as a field error.
 */
export function notFound(
  code: NotFoundCode,
  details: Record<string, unknown> = {},
  options: { message?: string; field?: string; fieldMessage?: string } = {},
): AppError {
  const fields: FieldError[] = options.field
    ? [{ field: options.field, code: 'not_found', message: options.fieldMessage ?? 'does not exist' }]
    : [];
  return new AppError(code, options.message ?? ERRORS[code].title, details, fields);
}

/** A `*_TAKEN` / `*_EXISTS` conflict naming the field whose value is held by another record. */
export function taken(code: TakenCode, field: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(code, `${field} ${message}`, { field, ...details }, [{ field, code: 'taken', message }]);
}
