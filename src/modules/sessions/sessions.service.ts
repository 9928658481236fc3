import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { normalizeEmail } from '../../core/email.ts';
import { notFound } from '../../core/error-helpers.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import { parsePhone } from '../../core/phone.ts';
import { sha256 } from '../../core/secrets.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { findCredential, replaceCredentialIfUnchanged } from '../credentials/credentials.repository.ts';
import type { PasswordHasher } from '../credentials/password-hasher.ts';
import type { EventInput, EventsService } from '../events/events.service.ts';
import { effectiveRolesOfUser } from '../groups/group-members.repository.ts';
import type { SigninThrottle } from '../signin-throttle/signin-throttle.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import {
  findUserByEmail,
  findUserByExternalId,
  findUserById,
  findUserByPhone,
  findUserByUsername,
  type UserWithBrands,
} from '../users/users.repository.ts';
import { isUserId } from '../users/users.service.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { SessionCache } from './session-cache.ts';
import { createSessionReader, invalidRefresh, type SessionReader } from './session-reader.ts';
import { endUserSessions } from './session-revocation.ts';
import {
  claimRefreshToken,
  findRefreshToken,
  findSession,
  findSessionForUpdate,
  insertRefreshToken,
  insertSession,
  listLiveSessions,
  lockSessionHolder,
  revokeSessions,
  touchSession,
} from './sessions.repository.ts';
import type { SignInSchema } from './sessions.schemas.ts';
import type { SessionMethod, SessionRow } from './sessions.table.ts';
import {
  type ClientInfo,
  isLive,
  REFRESH_TOKEN_SHAPE,
  type SessionView,
  type TokenResponse,
  toSessionView,
  type UserRef,
} from './sessions.ts';

export interface SessionSettings {
  accessTokenSeconds: number;
  /** Absolute lifetime of a session and its refresh tokens. */
  refreshTokenSeconds: number;
  /** A session not refreshed for this long ends. */
  refreshIdleSeconds: number;
}

/** Exactly one identifier and the password, as the sign-in body carries them. */
type IdentifierKind = 'email' | 'phone' | 'externalId' | 'username';

export type SignInInput = Pick<Static<typeof SignInSchema>, 'email' | 'phone' | 'externalId' | 'username' | 'password'>;

export interface SessionsService extends SessionReader {
  /**
   * Checks a password and opens a session. Every failure answers alike, whatever its cause.
   * @throws AppError VALIDATION_FAILED (no or several identifiers, malformed ones), TOO_MANY_ATTEMPTS,
   *   INVALID_CREDENTIALS, SESSIONS_LIMIT_REACHED, PASSWORD_HASHING_BUSY
   */
  signIn(ctx: ActorContext, input: SignInInput, client: ClientInfo): Promise<TokenResponse>;
  /** Opens a session without a password (server to server). @throws AppError USER_NOT_FOUND, USER_DEACTIVATED, SESSIONS_LIMIT_REACHED */
  issuePasswordless(ctx: ActorContext, user: UserRef, client: ClientInfo): Promise<TokenResponse>;
  /**
   * Prepares a passwordless session to open inside a user change's transaction: reads the tenant and loads the
   * signing key first, as nothing may query `db` inside it. Opening throws to roll the whole change back.
   * @throws AppError TENANT_NOT_FOUND; on open: USER_NOT_FOUND, USER_DEACTIVATED, SESSIONS_LIMIT_REACHED
   */
  preparePasswordless(ctx: ActorContext, client: ClientInfo): Promise<SessionOpener>;
  /** Rotates a refresh token; a used one ends its whole session. @throws AppError REFRESH_TOKEN_INVALID */
  refresh(ctx: ActorContext, refreshToken: string): Promise<TokenResponse>;
  /** The user's live sessions, oldest first. @throws AppError USER_NOT_FOUND */
  listSessions(ctx: ActorContext, user: UserRef): Promise<SessionView[]>;
  /** Ends one session; ending an ended one is a no-op. @throws AppError SESSION_NOT_FOUND */
  revokeSession(ctx: ActorContext, sessionId: string): Promise<void>;
  /** Ends every session of a user. @throws AppError USER_NOT_FOUND */
  logoutUser(ctx: ActorContext, user: UserRef): Promise<{ revoked: number }>;
}

/** Opens a prepared session for a user inside the caller's transaction. */
export interface SessionOpener {
  open(trx: Kysely<DB>, userId: string): Promise<TokenResponse>;
}

export interface SessionsDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  tenants: TenantsService;
  hasher: PasswordHasher;
  tokens: AccessTokens;
  throttle: SigninThrottle;
  settings: SessionSettings;
  /** Live sessions of access-token checks, evicted across processes by NOTIFY (session-cache.ts). */
  cache?: SessionCache;
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

function invalidCredentials(): AppError {
  return new AppError('INVALID_CREDENTIALS', 'The identifier or the password is wrong');
}

export function createSessionsService(deps: SessionsDeps): SessionsService {
  const { db, clock, ids, events, tenants, hasher, tokens, throttle, settings } = deps;

  async function tenantRow(ctx: ActorContext) {
    const tenant = await tenants.getTenantRow(ctx.tenantId);
    if (!tenant) throw notFound('TENANT_NOT_FOUND');
    return tenant;
  }

  /** The one identifier of a sign-in, normalized as users store it. */
  async function identifierOf(ctx: ActorContext, input: SignInInput): Promise<{ kind: IdentifierKind; value: string }> {
    const given = (['email', 'phone', 'externalId', 'username'] as const).filter((kind) => input[kind] !== undefined);
    if (given.length !== 1) {
      throw invalidField(
        given[1] ?? 'email',
        'send exactly one of email, phone, externalId, username',
        given.length === 0 ? 'required' : 'conflict',
      );
    }
    const kind = given[0] as IdentifierKind;
    const raw = input[kind] as string;
    if (kind === 'email') {
      const email = normalizeEmail(raw);
      if (!email) throw invalidField('email', 'must be an email address', 'invalid_email');
      return { kind, value: email };
    }
    if (kind === 'phone') {
      const phone = parsePhone(raw, (await tenantRow(ctx)).default_country);
      if (!phone) throw invalidField('phone', 'must be a phone number (E.164, or national with the tenant country)', 'invalid_phone');
      return { kind, value: phone.e164 };
    }
    const value = raw.trim();
    if (!value) throw invalidField(kind, 'must not be empty', 'required');
    // Usernames compare case-insensitively: the throttle keys on the lower-cased form, as the unique index does.
    return { kind, value: kind === 'username' ? value.toLowerCase() : value };
  }

  function findByIdentifier(tenantId: string, kind: IdentifierKind, value: string) {
    if (kind === 'email') return findUserByEmail(db, tenantId, value);
    if (kind === 'phone') return findUserByPhone(db, tenantId, value);
    if (kind === 'username') return findUserByUsername(db, tenantId, value);
    return findUserByExternalId(db, tenantId, value);
  }

  async function resolveUser(ctx: ActorContext, ref: UserRef): Promise<UserWithBrands> {
    const user =
      'id' in ref
        ? isUserId(ref.id)
          ? await findUserById(db, ctx.tenantId, ref.id)
          : undefined
        : await findUserByExternalId(db, ctx.tenantId, ref.externalId.trim());
    if (!user || user.erased_at) throw notFound('USER_NOT_FOUND', 'id' in ref ? { id: ref.id } : { externalId: ref.externalId });
    return user;
  }

  async function respond(
    ctx: ActorContext,
    session: SessionRow,
    refreshToken: string,
    signer?: Parameters<AccessTokens['issue']>[1],
    reader: Kysely<DB> = db,
  ): Promise<TokenResponse> {
    // Effective roles as of now: own roles and those of the user's groups (inside a transaction, read through it).
    const roles = await effectiveRolesOfUser(reader, ctx.tenantId, session.user_id);
    const claims = { userId: session.user_id, tenantId: ctx.tenantId, sessionId: session.id, scope: session.method, roles };
    const access = await tokens.issue(claims, signer);
    return {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: settings.accessTokenSeconds,
      scope: session.method,
      session: toSessionView(session),
    };
  }

  /**
   * Opens a session under the user's row lock, ending the oldest live ones first when the user is at the limit
   * (or refusing, by the tenant's policy), so no moment ever sees more live sessions than the limit.
   */
  async function openSession(ctx: ActorContext, userId: string, method: SessionMethod, client: ClientInfo): Promise<TokenResponse> {
    const tenant = await tenantRow(ctx);
    const refreshToken = newRefreshToken();
    const session = await inTransaction(db, (trx) => insertSessionIn(trx, ctx, tenant, userId, method, client, refreshToken));
    return respond(ctx, session, refreshToken);
  }

  async function insertSessionIn(
    trx: Kysely<DB>,
    ctx: ActorContext,
    tenant: Awaited<ReturnType<typeof tenantRow>>,
    userId: string,
    method: SessionMethod,
    client: ClientInfo,
    refreshToken: string,
  ): Promise<SessionRow> {
    const now = clock.now();
    const holder = await lockSessionHolder(trx, ctx.tenantId, userId);
    if (!holder || holder.erased_at) throw new AppError('USER_NOT_FOUND', 'User not found', { id: userId });
    if (holder.status !== 'active') {
      throw method === 'password' ? invalidCredentials() : new AppError('USER_DEACTIVATED', 'The user is deactivated', { id: userId });
    }
    const limit = holder.sessions_limit ?? tenant.sessions_limit;
    if (limit !== null) {
      const live = await listLiveSessions(trx, ctx.tenantId, userId, now);
      const excess = live.length - limit + 1;
      if (excess > 0) {
        if (tenant.sessions_policy === 'reject_new') {
          throw new AppError('SESSIONS_LIMIT_REACHED', `The user already holds ${live.length} sessions, the most allowed`, { limit });
        }
        const evicted = await revokeSessions(trx, ctx.tenantId, { ids: live.slice(0, excess).map((s) => s.id) }, 'evicted', now);
        await events.record(
          trx,
          ctx,
          ...evicted.map((id): EventInput => ({ type: 'session.revoked', userId, data: { sessionId: id, reason: 'evicted' } })),
        );
      }
    }
    const row = await insertSession(trx, {
      tenant_id: ctx.tenantId,
      id: ids.uuid(),
      user_id: userId,
      brand_id: ctx.brand?.id ?? null,
      method,
      ip: client.ip,
      user_agent: client.userAgent,
      created_at: now,
      refreshed_at: now,
      expires_at: new Date(now.getTime() + settings.refreshTokenSeconds * 1000),
      idle_expires_at: new Date(now.getTime() + Math.min(settings.refreshIdleSeconds, settings.refreshTokenSeconds) * 1000),
      revoked_at: null,
      revoked_reason: null,
    });
    await insertRefreshToken(trx, ctx.tenantId, row.id, sha256(refreshToken), now);
    await events.record(trx, ctx, { type: 'session.created', userId, data: { sessionId: row.id, method } });
    return row;
  }

  /** Replaces an imported or outdated hash once the password is known to be right. */
  async function rehash(ctx: ActorContext, userId: string, verifiedHash: string, password: string): Promise<void> {
    const fresh = await hasher.hash(password);
    await inTransaction(db, async (trx) => {
      if (await replaceCredentialIfUnchanged(trx, ctx.tenantId, userId, verifiedHash, fresh, clock.now())) {
        await events.record(trx, ctx, {
          type: 'credential.changed',
          userId,
          data: { kind: 'password', hasher: 'argon2id', rehashed: true },
        });
      }
    });
  }

  const service: SessionsService = {
    ...createSessionReader({ db, clock, tokens, cache: deps.cache }),
    async signIn(ctx, input, client) {
      const { kind, value } = await identifierOf(ctx, input);
      const identifier = `${kind}:${value}`;
      const ip = client.ip ?? 'unknown';
      await throttle.assertAllowed(ctx.tenantId, identifier, ip);
      const user = await findByIdentifier(ctx.tenantId, kind, value);
      const credential = user ? await findCredential(db, ctx.tenantId, user.id) : undefined;
      let verified = { ok: false, needsRehash: false };
      if (credential) verified = await hasher.verify(credential.password_hash, credential.hasher, input.password);
      else await hasher.verifyNothing(input.password);
      const reason = !user
        ? 'unknown_user'
        : !credential
          ? 'no_password'
          : !verified.ok
            ? 'wrong_password'
            : user.status !== 'active'
              ? 'deactivated'
              : null;
      if (reason || !user || !credential) {
        await throttle.recordFailure(ctx.tenantId, identifier, ip);
        await events.record(db, ctx, {
          type: 'signin.failed',
          userId: user?.id ?? null,
          data: { identifier: kind, reason: reason ?? 'unknown_user' },
        });
        throw invalidCredentials();
      }
      await throttle.recordSuccess(ctx.tenantId, identifier, ip);
      if (verified.needsRehash) await rehash(ctx, user.id, credential.password_hash, input.password);
      return openSession(ctx, user.id, 'password', client);
    },

    async issuePasswordless(ctx, ref, client) {
      const user = await resolveUser(ctx, ref);
      return openSession(ctx, user.id, 'passwordless', client);
    },

    async preparePasswordless(ctx, client) {
      const [tenant, signer] = await Promise.all([tenantRow(ctx), tokens.signer()]);
      return {
        async open(trx, userId) {
          const refreshToken = newRefreshToken();
          const session = await insertSessionIn(trx, ctx, tenant, userId, 'passwordless', client, refreshToken);
          return respond(ctx, session, refreshToken, signer, trx);
        },
      };
    },

    async refresh(ctx, refreshToken) {
      if (!REFRESH_TOKEN_SHAPE.test(refreshToken)) throw invalidRefresh();
      const hash = sha256(refreshToken);
      const next = newRefreshToken();
      const outcome = await inTransaction(db, async (trx) => {
        const now = clock.now();
        const sessionId = await claimRefreshToken(trx, ctx.tenantId, hash, now);
        if (!sessionId) {
          const known = await findRefreshToken(trx, ctx.tenantId, hash);
          if (!known) return null;
          // A used token came back: someone holds a copy. End the whole session, whoever the legitimate holder is.
          const session = await findSessionForUpdate(trx, ctx.tenantId, known.session_id);
          if (!session) return null;
          const revoked = await revokeSessions(trx, ctx.tenantId, { ids: [session.id] }, 'refresh_token_reuse', now);
          await events.record(
            trx,
            ctx,
            { type: 'session.reuse_detected', userId: session.user_id, data: { sessionId: session.id } },
            ...revoked.map(
              (id): EventInput => ({
                type: 'session.revoked',
                userId: session.user_id,
                data: { sessionId: id, reason: 'refresh_token_reuse' },
              }),
            ),
          );
          return null;
        }
        const session = await findSessionForUpdate(trx, ctx.tenantId, sessionId);
        if (!session || !isLive(session, now)) return null;
        await insertRefreshToken(trx, ctx.tenantId, session.id, sha256(next), now);
        await touchSession(trx, ctx.tenantId, session.id, now, new Date(now.getTime() + settings.refreshIdleSeconds * 1000));
        await events.record(trx, ctx, { type: 'session.refreshed', userId: session.user_id, data: { sessionId: session.id } });
        return findSession(trx, ctx.tenantId, session.id);
      });
      if (!outcome) throw invalidRefresh();
      return respond(ctx, outcome, next);
    },

    async listSessions(ctx, ref) {
      const user = await resolveUser(ctx, ref);
      return (await listLiveSessions(db, ctx.tenantId, user.id, clock.now())).map(toSessionView);
    },

    async revokeSession(ctx, sessionId) {
      if (!isUserId(sessionId)) throw notFound('SESSION_NOT_FOUND', { id: sessionId });
      await inTransaction(db, async (trx) => {
        const session = await findSessionForUpdate(trx, ctx.tenantId, sessionId);
        if (!session) throw notFound('SESSION_NOT_FOUND', { id: sessionId });
        const revoked = await revokeSessions(trx, ctx.tenantId, { ids: [sessionId] }, 'logout', clock.now());
        if (revoked.length > 0) {
          await events.record(trx, ctx, { type: 'session.revoked', userId: session.user_id, data: { sessionId, reason: 'logout' } });
        }
      });
    },

    async logoutUser(ctx, ref) {
      const user = await resolveUser(ctx, ref);
      const revoked = await inTransaction(db, (trx) => endUserSessions(trx, events, ctx, user.id, 'logout', clock.now()));
      return { revoked: revoked.length };
    },
  };
  return service;
}
