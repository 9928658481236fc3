/**
 * The error catalogue: every code a service may throw, with its HTTP status and title.
 * docs/errors.md is kept in step with this table by a test.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 422, title: 'The request body is not valid' },
  INVALID_PARAMETER: { status: 400, title: 'A parameter or header is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is larger than 1 MiB' },
  NOT_FOUND: { status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  AUTH_REQUIRED: { status: 401, title: 'Authentication is required' },
  API_KEY_INVALID: { status: 401, title: 'The API key is not valid' },
  ADMIN_TOKEN_INVALID: { status: 401, title: 'The admin token is not valid' },
  SCOPE_MISSING: { status: 403, title: 'The API key lacks a required scope' },
  PRECONDITION_FAILED: { status: 412, title: 'The resource has changed since it was read' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with another request' },
  IDEMPOTENCY_KEY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still running' },
  TENANT_NOT_FOUND: { status: 404, title: 'Tenant not found' },
  TENANT_SLUG_TAKEN: { status: 409, title: 'The tenant slug is taken' },
  TENANT_HOST_TAKEN: { status: 409, title: 'A host is already used by another tenant' },
  BRAND_NOT_FOUND: { status: 404, title: 'Brand not found' },
  BRAND_SLUG_TAKEN: { status: 409, title: 'The brand slug is taken' },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  USER_EMAIL_TAKEN: { status: 409, title: 'The email belongs to another user' },
  USER_USERNAME_TAKEN: { status: 409, title: 'The username belongs to another user' },
  USER_PHONE_TAKEN: { status: 409, title: 'The phone belongs to another user' },
  USER_EXTERNAL_ID_TAKEN: { status: 409, title: 'The external id belongs to another user' },
  USER_IDENTIFIERS_CONFLICT: { status: 409, title: 'The email and phone belong to different users' },
  USER_IDENTIFIER_REQUIRED: { status: 422, title: 'An email or a phone is required' },
  ATTRIBUTE_NOT_DEFINED: { status: 422, title: 'The attribute is not defined for this tenant' },
  ATTRIBUTE_TYPE_MISMATCH: { status: 422, title: 'The attribute value does not match its type' },
  ATTRIBUTE_NOT_SEARCHABLE: { status: 400, title: 'The attribute is not searchable' },
  ATTRIBUTE_VALUE_TAKEN: { status: 409, title: 'The unique attribute value belongs to another user' },
  ATTRIBUTE_DEFINITION_EXISTS: { status: 409, title: 'The attribute is already defined' },
  INVALID_CREDENTIALS: { status: 401, title: 'The identifier or the password is wrong' },
  ACCESS_TOKEN_INVALID: { status: 401, title: 'The access token is not valid' },
  REFRESH_TOKEN_INVALID: { status: 401, title: 'The refresh token is not valid' },
  USER_DEACTIVATED: { status: 409, title: 'The user is deactivated' },
  SESSION_NOT_FOUND: { status: 404, title: 'Session not found' },
  SESSIONS_LIMIT_REACHED: { status: 409, title: 'The user holds as many sessions as allowed' },
  PASSWORD_HASHING_BUSY: { status: 503, title: 'Too many passwords are being hashed; retry shortly' },
  TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many failed sign-in attempts; retry later' },
  RATE_LIMITED: { status: 429, title: 'Rate limit exceeded' },
  COMPANY_NOT_FOUND: { status: 404, title: 'Company not found' },
  COMPANY_EXTERNAL_ID_TAKEN: { status: 409, title: 'The external id belongs to another company' },
  PLAN_NOT_FOUND: { status: 404, title: 'Plan not found' },
  PLAN_EXTERNAL_ID_TAKEN: { status: 409, title: 'The external id belongs to another plan' },
  PLAN_ASSIGNMENT_NOT_FOUND: { status: 404, title: 'Plan assignment not found' },
  ROLE_NOT_FOUND: { status: 404, title: 'Role not found' },
  ROLE_EXISTS: { status: 409, title: 'The role is already defined' },
  ROLE_BUILT_IN: { status: 409, title: 'Built-in roles cannot be changed' },
  GROUP_NOT_FOUND: { status: 404, title: 'Group not found' },
  GROUP_DISPLAY_NAME_TAKEN: { status: 409, title: 'The display name belongs to another group' },
  GROUP_EXTERNAL_ID_TAKEN: { status: 409, title: 'The external id belongs to another group' },
  PROVIDER_NOT_FOUND: { status: 404, title: 'Identity provider not found' },
  PROVIDER_EXISTS: { status: 409, title: 'The identity provider already exists' },
  WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook endpoint not found' },
  IMPORT_NOT_FOUND: { status: 404, title: 'Import job not found' },
  IMPORT_TOO_LARGE: { status: 413, title: 'The import file is larger than ROSTER_IMPORT_MAX_BYTES' },
  IMPORT_FINISHED: { status: 409, title: 'The import job has already finished' },
  SECRET_KEY_MISSING: { status: 503, title: 'ROSTER_SECRET_KEY is not set' },
  CONSOLE_SESSION_INVALID: { status: 401, title: 'Sign in to the console' },
  CSRF_TOKEN_INVALID: { status: 403, title: 'The CSRF token is missing or wrong' },
  OPERATOR_FORBIDDEN: { status: 403, title: 'This operator may not do that' },
  OPERATOR_NOT_FOUND: { status: 404, title: 'Operator not found' },
  OPERATOR_EMAIL_TAKEN: { status: 409, title: 'An operator with this email exists' },
  INTERNAL: { status: 500, title: 'Internal Server Error' },
  UNAVAILABLE: { status: 503, title: 'Service Unavailable' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable; retry shortly' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One invalid field in a request. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** A failure the caller can act on; adapters map it to their wire envelope. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;
  readonly fieldErrors: FieldError[];

  constructor(code: ErrorCode, message?: string, details: Record<string, unknown> = {}, fieldErrors: FieldError[] = []) {
    super(message ?? ERRORS[code].title);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
    this.fieldErrors = fieldErrors;
  }

  /**
   * Seconds after which the caller may retry (`Retry-After`), or null. Services put it in
   * `details.retryAfterSeconds`; every envelope (problem+json and each dialect's) sends it as a header.
   */
  get retryAfterSeconds(): number | null {
    const seconds = this.details.retryAfterSeconds;
    return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : null;
  }
}

/** Shorthand for a validation failure on one field. */
export function invalidField(field: string, message: string, code = 'invalid', errorCode: ErrorCode = 'VALIDATION_FAILED'): AppError {
  return new AppError(errorCode, `${field}: ${message}`, {}, [{ field, code, message }]);
}
