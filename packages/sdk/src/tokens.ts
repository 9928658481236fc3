/**
 * `@roster/sdk/tokens`: verifies Roster access tokens locally against the server's JWKS, with `jose` (a separate entry
 * point, so the core client carries no JWT code).
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * Verifies an access token's signature (from `${baseUrl}/.well-known/jwks.json`, cached), expiry, issuer and audience.
 * @returns the token's claims (`sub` is the user id, `sid` the session)
 * @throws jose's JWTExpired, JWSSignatureVerificationFailed, JWTClaimValidationFailed, ... when it is not valid.
 */
export async function verifyAccessToken(
  token: string,
  options: { baseUrl: string; issuer?: string; audience?: string; jwksUrl?: string },
): Promise<JWTPayload & { sid?: string; tid?: string }> {
  const url = options.jwksUrl ?? `${options.baseUrl.replace(/\/+$/, '')}/.well-known/jwks.json`;
  let keys = keySets.get(url);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url));
    keySets.set(url, keys);
  }
  const { payload } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience });
  return payload;
}
