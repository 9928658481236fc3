import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import { sha256 } from '../../core/secrets.ts';
import type { DB } from '../../db/schema.ts';
import { findUserById } from '../users/users.repository.ts';
import { toUserView, type UserView } from '../users/users.ts';
import type { AccessClaims, AccessTokens } from './access-tokens.ts';
import type { SessionCache } from './session-cache.ts';
import { findRefreshToken, findSession } from './sessions.repository.ts';
import type { SessionMethod, SessionRow } from './sessions.table.ts';
import { isLive, REFRESH_TOKEN_SHAPE } from './sessions.ts';

/** RFC 7662 introspection response, with the user for convenience. */
export type Introspection =
  | { active: false }
  | {
      active: true;
      token_type: 'access_token' | 'refresh_token';
      sub: string;
      sid: string;
      tid: string;
      exp: number;
      iat: number;
      scope: SessionMethod;
      user: UserView;
    };

/** Reading tokens without changing anything: who is behind an access or refresh token, and is it live. */
export interface SessionReader {
  /** The claims and live session behind an access token. @throws AppError ACCESS_TOKEN_INVALID */
  authenticate(accessToken: string): Promise<{ claims: AccessClaims; session: SessionRow }>;
  /** The user behind an access token. @throws AppError ACCESS_TOKEN_INVALID */
  me(accessToken: string): Promise<UserView>;
  /** The user behind a live refresh token of the caller's tenant, without using it. @throws AppError REFRESH_TOKEN_INVALID */
  userOfRefreshToken(ctx: ActorContext, refreshToken: string): Promise<UserView>;
  /** RFC 7662: whether an access or refresh token of the caller's tenant is live. Never throws for a bad token. */
  introspect(ctx: ActorContext, token: string): Promise<Introspection>;
}

export function invalidRefresh(): AppError {
  return new AppError('REFRESH_TOKEN_INVALID', 'The refresh token is not valid');
}

function invalidAccess(): AppError {
  return new AppError('ACCESS_TOKEN_INVALID', 'The access token is not valid');
}

export function createSessionReader(deps: { db: Kysely<DB>; clock: Clock; tokens: AccessTokens; cache?: SessionCache }): SessionReader {
  const { db, clock, tokens, cache } = deps;

  async function liveSession(tenantId: string, sessionId: string): Promise<SessionRow | null> {
    // Expiry is judged on every use, cached or not; revocation evicts the entry (see session-cache.ts).
    const cached = cache?.get(tenantId, sessionId);
    if (cached) return isLive(cached, clock.now()) ? cached : null;
    const stamp = cache?.stamp() ?? 0;
    const session = await findSession(db, tenantId, sessionId);
    if (session && cache) cache.set(tenantId, sessionId, session, stamp);
    return session && isLive(session, clock.now()) ? session : null;
  }

  async function liveUser(tenantId: string, userId: string): Promise<UserView | null> {
    const user = await findUserById(db, tenantId, userId);
    return user && !user.erased_at && user.status === 'active' ? toUserView(user, user.brands) : null;
  }

  const reader: SessionReader = {
    async authenticate(accessToken) {
      const claims = await tokens.verify(accessToken);
      if (!claims) throw invalidAccess();
      // Checked on every use: a revoked session's access tokens stop working at once, not when they expire.
      const session = await liveSession(claims.tid, claims.sid);
      if (!session || session.user_id !== claims.sub) throw invalidAccess();
      return { claims, session };
    },

    async me(accessToken) {
      const { claims } = await reader.authenticate(accessToken);
      const user = await liveUser(claims.tid, claims.sub);
      if (!user) throw invalidAccess();
      return user;
    },

    async userOfRefreshToken(ctx, refreshToken) {
      if (!REFRESH_TOKEN_SHAPE.test(refreshToken)) throw invalidRefresh();
      const known = await findRefreshToken(db, ctx.tenantId, sha256(refreshToken));
      const session = known && !known.used_at ? await liveSession(ctx.tenantId, known.session_id) : null;
      const user = session ? await liveUser(ctx.tenantId, session.user_id) : null;
      if (!user) throw invalidRefresh();
      return user;
    },

    async introspect(ctx, token) {
      const inactive = { active: false } as const;
      if (REFRESH_TOKEN_SHAPE.test(token)) {
        const known = await findRefreshToken(db, ctx.tenantId, sha256(token));
        const session = known && !known.used_at ? await liveSession(ctx.tenantId, known.session_id) : null;
        const user = session ? await liveUser(ctx.tenantId, session.user_id) : null;
        if (!session || !user) return inactive;
        const exp = Math.min(session.expires_at.getTime(), session.idle_expires_at.getTime());
        return {
          active: true,
          token_type: 'refresh_token',
          sub: user.id,
          sid: session.id,
          tid: ctx.tenantId,
          exp: Math.floor(exp / 1000),
          iat: Math.floor(session.refreshed_at.getTime() / 1000),
          scope: session.method,
          user,
        };
      }
      const claims = await tokens.verify(token);
      if (!claims || claims.tid !== ctx.tenantId) return inactive;
      const session = await liveSession(claims.tid, claims.sid);
      const user = session && session.user_id === claims.sub ? await liveUser(claims.tid, claims.sub) : null;
      if (!session || !user) return inactive;
      return {
        active: true,
        token_type: 'access_token',
        sub: claims.sub,
        sid: claims.sid,
        tid: claims.tid,
        exp: claims.exp,
        iat: claims.iat,
        scope: session.method,
        user,
      };
    },
  };
  return reader;
}
