import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { AttributesService } from '../attributes/attributes.service.ts';
import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';
import { type CredentialsService, type PasswordInput, splitPassword } from '../credentials/credentials.service.ts';
import type { EventsService } from '../events/events.service.ts';
import type { RolesService } from '../roles/roles.service.ts';
import type { SigninThrottle } from '../signin-throttle/signin-throttle.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import { withValueHolder } from './users.conflicts.ts';
import { findUserByExternalId, findUserByIdForUpdate, insertUser } from './users.repository.ts';
import type { UserInput, UserView } from './users.ts';
import { isNoop, type RoleEdit, type WritePlan } from './users.write-plan.ts';
import { createUserWriteSteps, identifierRequired } from './users-write-steps.ts';

export interface UsersDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  tenants: TenantsService;
  attributes: AttributesService;
  credentials: CredentialsService;
  signinThrottle: SigninThrottle;
  roles: RolesService;
  /**
   * Ends every session of the user inside the caller's transaction (a new password). Injected by the composition
   * root, so that users/ does not import sessions/, which reads users to sign them in.
   */
  endSessions: (trx: Kysely<DB>, ctx: ActorContext, userId: string, reason: 'password_changed') => Promise<unknown>;
}

/** A user write that may also set a password (create, patch, upsert). */
export type UserWrite = UserInput & PasswordInput;

/**
 * More of one change, written inside the user's own transaction after the user row (created or updated,
 * locked): the use case's side rows (brands, companies, plans, status, a session). It may return the user as
 * it left it. It must not query `db` (PGlite has one connection) and throws to roll the whole write back.
 */
export type WithinUserWrite = (trx: Kysely<DB>, user: UserView, created: boolean) => Promise<UserView | undefined>;

/** How a write goes beyond the profile: role edits against the locked row, side rows in the same transaction. */
export interface UserWriteOptions {
  roles?: RoleEdit;
  within?: WithinUserWrite;
  /** Definitions `within` creates: planning checks the write's attributes as if they existed. */
  definitions?: readonly AttributeDefinitionRow[];
}

export interface CreatedResult {
  created: boolean;
  user: UserView;
}

export interface UsersService {
  /** @throws AppError VALIDATION_FAILED, USER_IDENTIFIER_REQUIRED, USER_*_TAKEN, ATTRIBUTE_*, SCOPE_MISSING */
  createUser(ctx: ActorContext, input: UserWrite, options?: UserWriteOptions): Promise<UserView>;
  /**
   * Finds the user holding the email or phone, or creates one. Race-safe: parallel calls agree on one user.
   * @throws AppError USER_IDENTIFIER_REQUIRED, USER_IDENTIFIERS_CONFLICT, VALIDATION_FAILED
   */
  findOrCreateUser(ctx: ActorContext, input: UserInput, options?: UserWriteOptions): Promise<CreatedResult>;
  /**
   * Creates the user with this external id, or merge-patches it. Race-safe.
   * @throws AppError VALIDATION_FAILED, USER_EMAIL_TAKEN, USER_PHONE_TAKEN, PASSWORD_HASHING_BUSY
   */
  upsertUserByExternalId(ctx: ActorContext, externalId: string, input: UserWrite, options?: UserWriteOptions): Promise<CreatedResult>;
  /**
   * JSON merge patch; with expectedVersion, fails when the user has moved on. A new password ends every
   * session of the user and lifts sign-in locks on their identifiers.
   * @throws AppError USER_NOT_FOUND, PRECONDITION_FAILED, VALIDATION_FAILED, USER_*_TAKEN, PASSWORD_HASHING_BUSY
   */
  patchUser(
    ctx: ActorContext,
    id: string,
    input: UserWrite,
    expectedVersion?: number,
    eventType?: 'user.updated' | 'attribute.set',
    options?: UserWriteOptions,
  ): Promise<UserView>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when the text can be a user id (anything else is simply not found). */
export function isUserId(id: string): boolean {
  return UUID.test(id);
}

export function createUsersService(deps: UsersDeps): UsersService {
  const { db } = deps;
  const {
    planContext,
    planWith,
    plan,
    runWithin,
    newUser,
    afterInsert,
    createIfAbsent,
    findOrInsert,
    withCallerBrand,
    joinedCallerBrand,
    withinFound,
    updateAtVersion,
    applyPlan,
    prepareCredential,
    clearSigninLocks,
  } = createUserWriteSteps(deps);

  return {
    async createUser(ctx, input, options = {}) {
      const { password, profile } = splitPassword(input);
      const p = await plan(ctx, profile, null, options.roles, options.definitions);
      const u = p.update;
      if (!u.email && !u.phone && !u.external_id && !u.username) throw identifierRequired(['email', 'phone', 'externalId', 'username']);
      const credential = await prepareCredential(ctx, password);
      try {
        return await inTransaction(db, async (trx) =>
          afterInsert(trx, ctx, await insertUser(trx, ctx.tenantId, newUser(p)), p, credential, options.within),
        );
      } catch (error) {
        throw await withValueHolder(db, ctx.tenantId, p, error);
      }
    },

    async findOrCreateUser(ctx, input, options = {}) {
      const p = await plan(ctx, input, null, options.roles, options.definitions);
      const email = p.update.email ?? null;
      const phone = p.update.phone ?? null;
      if (!email && !phone) throw identifierRequired(['email', 'phone']);
      for (let attempt = 0; attempt < 3; attempt++) {
        let result: Awaited<ReturnType<typeof findOrInsert>>;
        try {
          result = await findOrInsert(ctx, p, email, phone, options.within);
        } catch (error) {
          throw await withValueHolder(db, ctx.tenantId, p, error);
        }
        const { found, created } = result;
        if (found.length > 1) {
          throw new AppError('USER_IDENTIFIERS_CONFLICT', 'The email and the phone belong to different users', {
            userIds: found.map((u) => u.id),
          });
        }
        if (found[0]) return { created: false, user: await withinFound(ctx, await withCallerBrand(ctx, found[0]), options.within) };
        // Neither found nor created: DO NOTHING waited for a concurrent insert of these identifiers; re-read.
        if (created) return { created: true, user: created };
      }
      // Still nothing under these identifiers: the conflict was on another unique value; surface it.
      return { created: true, user: await this.createUser(ctx, input, options) };
    },

    async upsertUserByExternalId(ctx, externalId, input, options = {}) {
      const { within, roles: edit, definitions } = options;
      const split = splitPassword(input);
      const merged: UserInput = { ...split.profile, externalId };
      const credential = await prepareCredential(ctx, split.password);
      for (let attempt = 0; attempt < 3; attempt++) {
        const existing = await findUserByExternalId(db, ctx.tenantId, externalId.trim());
        if (existing) {
          const loaded = await planContext(ctx, merged, edit, definitions);
          const p = planWith(loaded, ctx, merged, existing, edit);
          if (isNoop(p) && !credential && !within) return { created: false, user: await withCallerBrand(ctx, existing) };
          try {
            // Fast path: one statement that applies the plan only if the user is still the version it was
            // planned against. When it has moved on (or has unique values to index), lock, re-plan and write.
            const fast = p.uniqueValues.length === 0 && !credential && !within ? await updateAtVersion(ctx, existing, p) : null;
            if (fast) return { created: false, user: await joinedCallerBrand(ctx, fast) };
            const user = await inTransaction(db, async (trx) => {
              const locked = await findUserByIdForUpdate(trx, ctx.tenantId, existing.id);
              if (!locked || locked.external_id !== existing.external_id) return null;
              const applied = await applyPlan(trx, ctx, locked, planWith(loaded, ctx, merged, locked, edit), 'user.updated', credential);
              return runWithin(trx, within, applied, false);
            });
            if (user && credential) await clearSigninLocks(ctx, user);
            // Found through a brand key: the user joins that brand, as on every other path.
            if (user) return { created: false, user: await joinedCallerBrand(ctx, user) };
            continue;
          } catch (error) {
            throw await withValueHolder(db, ctx.tenantId, p, error);
          }
        }
        const p = await plan(ctx, merged, null, edit, definitions);
        try {
          const user = await createIfAbsent(ctx, p, credential, within);
          if (user) return { created: true, user };
        } catch (error) {
          throw await withValueHolder(db, ctx.tenantId, p, error);
        }
        // Not inserted: either the external id appeared meanwhile (loop and update) or email/phone is taken.
        if (!(await findUserByExternalId(db, ctx.tenantId, externalId.trim()))) {
          return { created: true, user: await this.createUser(ctx, { ...merged, ...split.password }, options) };
        }
      }
      throw new AppError('UNAVAILABLE', 'The user kept changing; retry');
    },

    async patchUser(ctx, id, input, expectedVersion, eventType, options = {}) {
      if (!isUserId(id)) throw new AppError('USER_NOT_FOUND', 'User not found', { id });
      const { password, profile } = splitPassword(input);
      let p: WritePlan | null = null;
      const loaded = await planContext(ctx, profile, options.roles, options.definitions);
      const credential = await prepareCredential(ctx, password);
      try {
        const user = await inTransaction(db, async (trx) => {
          const existing = await findUserByIdForUpdate(trx, ctx.tenantId, id);
          if (!existing) throw new AppError('USER_NOT_FOUND', 'User not found', { id });
          if (expectedVersion !== undefined && existing.version !== expectedVersion) {
            throw new AppError('PRECONDITION_FAILED', 'The user has changed since that version', { currentVersion: existing.version });
          }
          p = planWith(loaded, ctx, profile, existing, options.roles);
          const u = { ...existing, ...p.update };
          if (!u.email && !u.phone && !u.external_id && !u.username) throw identifierRequired(['email', 'phone', 'externalId', 'username']);
          return runWithin(trx, options.within, await applyPlan(trx, ctx, existing, p, eventType, credential), false);
        });
        if (credential) await clearSigninLocks(ctx, user);
        return user;
      } catch (error) {
        throw p ? await withValueHolder(db, ctx.tenantId, p, error) : error;
      }
    },
  };
}
