import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../../core/errors.ts';
import { type DialectErrors, sendEnvelope } from '../envelope.ts';

/** Naviga's envelope, the same on success and error: errors carry an empty `data`. */
export interface NavigaEnvelope<T> {
  message: { code: string; text: string; type: 'Success' | 'Error' };
  data: T[];
  meta: { totalRecords: number };
}

const PREFIX = 'UsersOrchestrator';

/** Naviga codes the dialect throws itself (carried in AppError details), by what went wrong. */
export const NAVIGA_CODES = {
  emailRequired: `${PREFIX}_E400_01`,
  emailInvalid: `${PREFIX}_E400_02`,
  headerMissing: `${PREFIX}_E400_03`,
  ignoreProviderInvalid: `${PREFIX}_E400_04`,
  codesMismatch: `${PREFIX}_E401_02`,
} as const;

/** Every other failure, by Roster's catalogue code, then by status. */
const BY_APP_CODE: Partial<Record<ErrorCode, string>> = {
  AUTH_REQUIRED: `${PREFIX}_E401_01`,
  API_KEY_INVALID: `${PREFIX}_E401_01`,
  SCOPE_MISSING: `${PREFIX}_E403_01`,
  INVALID_PARAMETER: `${PREFIX}_E400_00`,
  NOT_FOUND: `${PREFIX}_E404_01`,
  METHOD_NOT_ALLOWED: `${PREFIX}_E405_01`,
  RATE_LIMITED: `${PREFIX}_E429_01`,
};

/** An error the dialect raises with its own Naviga code. */
export function navigaError(appCode: ErrorCode, navigaCode: string, text: string): AppError {
  return new AppError(appCode, text, { navigaCode });
}

/** The Naviga envelope for an AppError; a 5xx says nothing but that it happened. */
export function toNavigaError(error: AppError): NavigaEnvelope<never> {
  const own = error.details.navigaCode;
  const code = typeof own === 'string' ? own : (BY_APP_CODE[error.code] ?? `${PREFIX}_E${error.status}_00`);
  const text = error.status >= 500 ? 'Internal Server Error' : error.message;
  return { message: { code, text, type: 'Error' }, data: [], meta: { totalRecords: 0 } };
}

/** Naviga's error envelope: Roster's status, the Naviga body. */
export const NAVIGA_ERRORS: DialectErrors = {
  name: 'naviga',
  map: (error) => ({ status: error.status, body: toNavigaError(error) }),
  contentType: 'application/json',
  challenge: 'Bearer',
};

/** Error handler of the Naviga plugin: anything thrown, framework errors included, in the Naviga envelope. */
export function sendNavigaError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendEnvelope(NAVIGA_ERRORS, error, request, reply);
}

/** The answer for a path or method Naviga does not have under /v4. */
export function navigaNotFound(request: FastifyRequest): AppError {
  return new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
}
