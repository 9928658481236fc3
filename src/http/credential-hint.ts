import { looksLikeSecret } from '../modules/api-keys/api-keys.ts';
import type { Registry } from '../registry.ts';

/** The credentials Roster issues; each route takes one of them. */
export type CredentialKind = 'api key' | 'admin token' | 'access token';

// A compact JWS: what POST /v1/sessions hands out as an access token.
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Which kind of credential a refused secret is, judged by shape (and, for the admin token, by checking it), so
 * the error can say which credential the route takes instead. Never throws; null when it is none of them.
 */
export async function credentialKindOf(registry: Pick<Registry, 'adminAuth'>, secret: string): Promise<CredentialKind | null> {
  if (JWT_SHAPE.test(secret)) return 'access token';
  if (looksLikeSecret(secret)) return 'api key';
  try {
    return (await registry.adminAuth.verify(secret)) ? 'admin token' : null;
  } catch {
    return null;
  }
}

const ELSEWHERE: Record<CredentialKind, string> = {
  'api key': 'a tenant API key is for the tenant routes (/v1/users and the vendor APIs)',
  'admin token': 'the platform admin token is for /v1/admin routes',
  'access token': 'an access token is for /v1/me and the token endpoints',
};

/** The message of a refused credential: what the route takes, and where the one sent belongs when it is another kind. */
export function wrongCredentialMessage(expected: CredentialKind, sent: CredentialKind | null): string {
  const takes =
    expected === 'api key'
      ? 'This route takes a tenant API key (Authorization: Bearer <key>)'
      : expected === 'admin token'
        ? 'This route takes the platform admin token (Authorization: Bearer <ROSTER_ADMIN_TOKEN>)'
        : 'This route takes an access token from a sign-in (Authorization: Bearer <access token>)';
  if (sent && sent !== expected) return `${takes}; ${ELSEWHERE[sent]}`;
  return `${takes}; the one sent is ${expected === 'api key' ? 'unknown or revoked' : 'not valid'}`;
}
