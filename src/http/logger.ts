import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../config.ts';
import { safeError } from '../core/safe-error.ts';

/**
 * Pino options. Credentials are redacted wherever they could appear; URLs are logged without their
 * query string, which may hold emails or phone numbers.
 */
export function loggerOptions(level: LogLevel): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-refresh-token"]',
        '*.password',
        '*.passwordHash',
        '*.newPassword',
        '*.new_password',
        '*.refresh_token',
        '*.access_token',
        '*.secret',
        '*.token',
        '*.refreshToken',
        '*.accessToken',
        // Database errors carry the failed statement's parameters: personal data, digests.
        'err.params',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Errors keep only named, harmless fields: pg errors carry their client (cancel key) and parameters.
      err: (error: unknown) => ({ stack: '', ...safeError(error) }),
      req(request: { method?: string; url?: string; id?: string }) {
        return { method: request.method, url: request.url?.split('?')[0], id: request.id };
      },
    },
  };
}
