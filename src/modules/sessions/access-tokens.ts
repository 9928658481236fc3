import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../core/clock.ts';
import type { Ids } from '../../core/ids.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import { type SigningKeys, TOKEN_ALG } from './signing-keys.ts';

/** The JOSE `typ` of access tokens (RFC 9068); refresh tokens are opaque, so nothing else carries it. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessClaims {
  sub: string;
  tid: string;
  sid: string;
  scope: string;
  /** The user's effective roles when the token was issued (own ∪ its groups'). */
  roles: string[];
  iat: number;
  exp: number;
  jti: string;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenSeconds: number;
}

export interface AccessTokens {
  /** The current signing key, to load before a transaction. */
  signer: SigningKeys['signer'];
  /** Signs with `signer` when given (loaded before a transaction, inside which the key store may not be read). */
  issue(
    claims: { userId: string; tenantId: string; sessionId: string; scope: string; roles?: readonly string[] },
    signer?: Awaited<ReturnType<SigningKeys['signer']>>,
  ): Promise<{ token: string; exp: number }>;
  /** The verified claims, or null for anything that is not a valid access token of ours. */
  verify(token: string): Promise<AccessClaims | null>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Tokens whose signature and claims were verified, kept per process (about 1 KiB each). */
const VERIFIED_TOKENS = 10_000;

/**
 * Issues and checks signed access tokens. Verification pins the algorithm, issuer, audience, type and lifetime.
 * A token that verified is remembered (the exact string) until it expires: a client presents the same token on
 * every request, and the Ed25519 check was most of the CPU of a session check (issue 16). A remembered token still
 * needs its key to verify (a retired key's tokens stop with it); whether its session is live is never remembered
 * here (session-reader.ts checks that on every use).
 */
export function createAccessTokens(deps: { keys: SigningKeys; clock: Clock; ids: Ids; settings: TokenSettings }): AccessTokens {
  const { keys, clock, ids, settings } = deps;
  const maxTokenAge = settings.accessTokenSeconds + 60;
  const verified = new TtlCache<string, { kid: string; claims: AccessClaims }>({ clock, ttlMs: 1, maxEntries: VERIFIED_TOKENS });
  return {
    signer: () => keys.signer(),

    async issue({ userId, tenantId, sessionId, scope, roles }, preloaded) {
      const signer = preloaded ?? (await keys.signer());
      const iat = Math.floor(clock.now().getTime() / 1000);
      const exp = iat + settings.accessTokenSeconds;
      const token = await new SignJWT({ tid: tenantId, sid: sessionId, scope, roles: [...(roles ?? [])] })
        .setProtectedHeader({ alg: TOKEN_ALG, kid: signer.kid, typ: ACCESS_TOKEN_TYP })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(userId)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(ids.uuid())
        .sign(signer.key);
      return { token, exp };
    },

    async verify(token) {
      const known = verified.get(token);
      if (known) return (await keys.verifier(known.kid)) ? known.claims : null;
      if (token.length > 4096 || !JWT_SHAPE.test(token)) return null;
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        return null;
      }
      if (!kid) return null;
      const key = await keys.verifier(kid);
      if (!key) return null;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [TOKEN_ALG],
          issuer: settings.issuer,
          audience: settings.audience,
          typ: ACCESS_TOKEN_TYP,
          currentDate: clock.now(),
          // We never issue longer-lived tokens: a longer one was not made by this deployment's settings.
          maxTokenAge,
          requiredClaims: ['sub', 'exp', 'iat'],
        }));
      } catch (error) {
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
      const { sub, tid, sid, scope, iat, exp, jti, roles } = payload;
      if (typeof sub !== 'string' || typeof tid !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') return null;
      const claims: AccessClaims = {
        sub,
        tid,
        sid,
        scope: typeof scope === 'string' ? scope : '',
        roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
        iat: iat ?? 0,
        exp,
        jti: typeof jti === 'string' ? jti : '',
      };
      // Until jose would refuse it: at `exp`, or once older than maxTokenAge, whichever comes first.
      const until = Math.min(exp, claims.iat + maxTokenAge + 1) * 1000;
      Object.freeze(claims.roles);
      verified.set(token, { kid, claims: Object.freeze(claims) }, until - clock.now().getTime());
      return claims;
    },
  };
}
