import type { FastifyRequest } from 'fastify';
import type { ActorContext, PlatformActor } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { hasScope, type RateLimitSetting, type Scope } from '../modules/api-keys/api-keys.ts';
import type { Registry } from '../registry.ts';
import { credentialKindOf, wrongCredentialMessage } from './credential-hint.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook on authenticated routes. */
    ctx: ActorContext;
    /** The calling key's rate limit, set with ctx; null: unlimited (and on admin or unauthenticated routes). */
    keyRateLimit: RateLimitSetting | null;
  }
  interface FastifyContextConfig {
    /** Scope the calling key must hold. */
    scope?: Scope;
    /** `key` (default), `admin` (platform token) or `none`. */
    auth?: 'key' | 'admin' | 'none';
    /** POST routes that honour Idempotency-Key. */
    idempotent?: boolean;
  }
}

/** The credential in `Authorization: Bearer <x>` or `Authorization: Token <x>`, if any. */
export function presentedCredential(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  // Anything after the scheme is the credential, so a malformed key is reported as an invalid key.
  const match = /^(?:Bearer|Token)\s+(\S.*?)\s*$/i.exec(header);
  return match ? match[1] : null;
}

function sourceOf(request: FastifyRequest): string | null {
  const value = request.headers['x-source-system'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 128) : null;
}

/**
 * Resolves the caller's tenant key into a context. Dialects pass the secret from wherever their vendor puts it;
 * the native API takes it from `Authorization`.
 * @throws AppError AUTH_REQUIRED, API_KEY_INVALID, SCOPE_MISSING
 */
export async function authenticateKey(
  registry: Pick<Registry, 'apiKeys' | 'adminAuth'>,
  request: FastifyRequest,
  scope?: Scope,
  secret: string | null = presentedCredential(request),
): Promise<ActorContext> {
  if (!secret) throw new AppError('AUTH_REQUIRED', 'Send an API key as Authorization: Bearer <key>');
  const key = await registry.apiKeys.authenticate(secret);
  if (!key) throw new AppError('API_KEY_INVALID', wrongCredentialMessage('api key', await credentialKindOf(registry, secret)));
  if (scope && !hasScope(key.scopes, scope)) throw new AppError('SCOPE_MISSING', `This key lacks the ${scope} scope`, { scope });
  request.keyRateLimit = key.rateLimit;
  return {
    tenantId: key.tenantId,
    actor: key.keyId,
    brand: key.brand,
    scopes: key.scopes,
    source: sourceOf(request),
    requestId: String(request.id),
  };
}

/**
 * Checks the platform admin token.
 * @throws AppError AUTH_REQUIRED, ADMIN_TOKEN_INVALID
 */
export async function authenticateAdmin(registry: Registry, request: FastifyRequest): Promise<void> {
  const token = presentedCredential(request);
  if (!token) throw new AppError('AUTH_REQUIRED', 'Send the admin token as Authorization: Bearer <token>');
  if (!(await registry.adminAuth.verify(token))) {
    throw new AppError('ADMIN_TOKEN_INVALID', wrongCredentialMessage('admin token', await credentialKindOf(registry, token)));
  }
}

/** The platform actor of an admin API request, for events it causes. */
export function adminActor(request: { id: string }): PlatformActor {
  return { actor: 'admin', requestId: String(request.id) };
}
