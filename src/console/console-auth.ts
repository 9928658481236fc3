import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ActorContext, type PlatformActor, platformContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { csrfMatches } from '../modules/operators/operators.service.ts';
import { actorOf, type ConsolePrincipal, canSeeTenant, isPlatformPrincipal } from '../modules/operators/operators.ts';
import type { Registry } from '../registry.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console operator behind the session cookie; set on /console/api routes that need a session. */
    principal: ConsolePrincipal;
  }
  interface FastifyContextConfig {
    /** `none`: a /console/api route that needs no session (sign-in). */
    consoleAuth?: 'none';
  }
}

/** The cookie's name: the `__Host-` prefix (Secure, path /, no Domain) when served over https. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-roster_console' : 'roster_console';
}

/** Whether this request reached Roster over https (directly, or as ROSTER_PUBLIC_URL says). */
export function isSecureRequest(request: FastifyRequest, publicUrl: string | null): boolean {
  return request.protocol === 'https' || (publicUrl?.startsWith('https://') ?? false);
}

/** The session cookie a request sent, under either name. */
export function sessionTokenOf(request: FastifyRequest): string | null {
  const cookies = request.cookies ?? {};
  return cookies['__Host-roster_console'] ?? cookies.roster_console ?? null;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure under https, for the browser session's lifetime. */
export function setSessionCookie(reply: FastifyReply, secure: boolean, token: string): void {
  reply.setCookie(sessionCookieName(secure), token, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(sessionCookieName(secure), { httpOnly: true, sameSite: 'strict', secure, path: '/' });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The console API's guard: a live session cookie, and on state-changing requests its CSRF token in X-CSRF-Token.
 * @throws AppError CONSOLE_SESSION_INVALID, CSRF_TOKEN_INVALID
 */
export async function authenticateConsole(registry: Pick<Registry, 'operators'>, request: FastifyRequest): Promise<void> {
  if (request.routeOptions.config.consoleAuth === 'none') return;
  const token = sessionTokenOf(request);
  const principal = token ? await registry.operators.authenticate(token) : null;
  if (!principal) throw new AppError('CONSOLE_SESSION_INVALID', 'Sign in to the console');
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (!csrfMatches(typeof sent === 'string' ? sent : undefined, principal.csrfToken)) {
      throw new AppError('CSRF_TOKEN_INVALID', 'Send the session’s CSRF token in X-CSRF-Token');
    }
  }
  request.principal = principal;
}

/** The platform actor of a console request: `operator:<id>` (or `admin` for the admin token). */
export function consoleActor(request: FastifyRequest): PlatformActor {
  return { actor: actorOf(request.principal), requestId: String(request.id) };
}

/** @throws AppError OPERATOR_FORBIDDEN unless the principal is a platform operator (or the admin token). */
export function requirePlatform(request: FastifyRequest): void {
  if (!isPlatformPrincipal(request.principal)) throw new AppError('OPERATOR_FORBIDDEN', 'Only platform operators may do this');
}

/**
 * The context of a console request on one tenant, checked against the operator's tenants. Another tenant answers
 * TENANT_NOT_FOUND, exactly like a tenant that does not exist: a tenant operator learns nothing about the others.
 * @throws AppError TENANT_NOT_FOUND
 */
export async function tenantContext(
  registry: Pick<Registry, 'tenants'>,
  request: FastifyRequest,
  tenantRef: string,
): Promise<ActorContext> {
  const tenant = await registry.tenants.resolveTenant(tenantRef);
  if (!canSeeTenant(request.principal, tenant.id)) throw new AppError('TENANT_NOT_FOUND', 'Tenant not found', { tenant: tenantRef });
  return platformContext(tenant.id, consoleActor(request));
}
