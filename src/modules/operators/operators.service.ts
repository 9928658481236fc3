import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import { normalizeEmail } from '../../core/email.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import { sha256 } from '../../core/secrets.ts';
import type { DB } from '../../db/schema.ts';
import type { AdminAuth } from '../admin/admin-auth.ts';
import type { PasswordHasher } from '../credentials/password-hasher.ts';
import { passwordPolicyError } from '../credentials/password-policy.ts';
import type { SigninThrottle } from '../signin-throttle/signin-throttle.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import {
  deleteOperator,
  endOperatorSession,
  findLiveOperatorSession,
  findOperatorByEmail,
  findOperatorById,
  insertOperator,
  insertOperatorSession,
  listOperators,
  touchOperatorSession,
} from './operators.repository.ts';
import type { OperatorRole } from './operators.table.ts';
import {
  type ConsolePrincipal,
  type OperatorView,
  PLATFORM_THROTTLE_TENANT,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  TOUCH_EVERY_MS,
  toOperatorView,
} from './operators.ts';

export interface OperatorInput {
  email: string;
  name: string;
  password: string;
  role: OperatorRole;
  /** Tenant ids or slugs a `tenant` operator may see. */
  tenants?: string[];
}

/** A new console session: the cookie value (shown once) and who it is. */
export interface StartedSession {
  token: string;
  principal: ConsolePrincipal;
}

export interface OperatorsService {
  /** @throws AppError VALIDATION_FAILED, OPERATOR_EMAIL_TAKEN, TENANT_NOT_FOUND */
  createOperator(input: OperatorInput): Promise<OperatorView>;
  listOperators(): Promise<OperatorView[]>;
  /** @throws AppError OPERATOR_NOT_FOUND */
  removeOperator(id: string): Promise<void>;
  /**
   * Checks an operator's email and password under the sign-in throttle and starts a session.
   * @throws AppError INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS, PASSWORD_HASHING_BUSY
   */
  signIn(email: string, password: string, ip: string): Promise<StartedSession>;
  /** Starts a session for the holder of the platform admin token. @throws AppError INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS */
  signInWithAdminToken(token: string, ip: string): Promise<StartedSession>;
  /** The principal behind a session cookie, or null when it is unknown, ended, idle for 12 h or older than 7 d. */
  authenticate(token: string): Promise<ConsolePrincipal | null>;
  /** Ends a session server-side: its cookie stops working at once. */
  signOut(token: string): Promise<void>;
}

const ADMIN_IDENTIFIER = 'operator-admin-token';

/** Constant-time comparison of the CSRF token a request sent with its session's. */
export function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (typeof sent !== 'string' || sent.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

export function createOperatorsService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  hasher: PasswordHasher;
  throttle: SigninThrottle;
  adminAuth: AdminAuth;
  tenants: Pick<TenantsService, 'resolveTenant'>;
}): OperatorsService {
  const { db, clock, ids, hasher, throttle, adminAuth, tenants } = deps;

  async function startSession(operator: OperatorView | null): Promise<StartedSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const id = ids.uuid();
    const now = clock.now();
    await insertOperatorSession(
      db,
      {
        tokenHash: sha256(token),
        id,
        operatorId: operator?.id ?? null,
        csrfToken,
        expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
      },
      now,
    );
    return { token, principal: { sessionId: id, operator, csrfToken } };
  }

  return {
    async createOperator(input) {
      const email = normalizeEmail(input.email);
      if (!email) throw invalidField('email', 'must be an email address');
      const policy = passwordPolicyError(input.password);
      if (policy) throw new AppError('VALIDATION_FAILED', `password: ${policy.message}`, { errors: [policy] });
      const tenantIds: string[] = [];
      if (input.role === 'tenant') {
        if (!input.tenants || input.tenants.length === 0) throw invalidField('tenants', 'a tenant operator needs at least one tenant');
        for (const ref of input.tenants) tenantIds.push((await tenants.resolveTenant(ref)).id);
      }
      const row = await insertOperator(
        db,
        { id: ids.uuid(), email, name: input.name, passwordHash: await hasher.hash(input.password), role: input.role, tenantIds },
        clock.now(),
      );
      return toOperatorView(row);
    },

    async listOperators() {
      return (await listOperators(db)).map(toOperatorView);
    },

    async removeOperator(id) {
      if (!(await findOperatorById(db, id)) || !(await deleteOperator(db, id))) {
        throw new AppError('OPERATOR_NOT_FOUND', 'No operator with this id', { id });
      }
    },

    async signIn(rawEmail, password, ip) {
      const email = normalizeEmail(rawEmail) ?? rawEmail.trim().toLowerCase();
      const identifier = `email:${email}`;
      await throttle.assertAllowed(PLATFORM_THROTTLE_TENANT, identifier, ip);
      const row = await findOperatorByEmail(db, email);
      let ok = false;
      // An unknown email costs the time of a real check: the answer's timing tells nothing about who exists.
      if (row) ok = (await hasher.verify(row.password_hash, 'argon2id', password)).ok;
      else await hasher.verifyNothing(password);
      if (!row || !ok) {
        await throttle.recordFailure(PLATFORM_THROTTLE_TENANT, identifier, ip);
        throw new AppError('INVALID_CREDENTIALS', 'The email or the password is wrong');
      }
      await throttle.recordSuccess(PLATFORM_THROTTLE_TENANT, identifier, ip);
      return startSession(toOperatorView(row));
    },

    async signInWithAdminToken(token, ip) {
      await throttle.assertAllowed(PLATFORM_THROTTLE_TENANT, ADMIN_IDENTIFIER, ip);
      if (!(await adminAuth.verify(token))) {
        await throttle.recordFailure(PLATFORM_THROTTLE_TENANT, ADMIN_IDENTIFIER, ip);
        throw new AppError('INVALID_CREDENTIALS', 'The admin token is wrong');
      }
      await throttle.recordSuccess(PLATFORM_THROTTLE_TENANT, ADMIN_IDENTIFIER, ip);
      return startSession(null);
    },

    async authenticate(token) {
      if (token.length === 0 || token.length > 128) return null;
      const now = clock.now();
      const session = await findLiveOperatorSession(db, sha256(token), now);
      if (!session || now.getTime() - session.last_seen_at.getTime() > SESSION_IDLE_MS) return null;
      let operator: OperatorView | null = null;
      if (session.operator_id) {
        const row = await findOperatorById(db, session.operator_id);
        if (!row) return null;
        operator = toOperatorView(row);
      }
      if (now.getTime() - session.last_seen_at.getTime() > TOUCH_EVERY_MS) await touchOperatorSession(db, session.id, now);
      return { sessionId: session.id, operator, csrfToken: session.csrf_token };
    },

    async signOut(token) {
      await endOperatorSession(db, sha256(token), clock.now());
    },
  };
}
