import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { replaceUniqueValues } from '../attributes/attributes.repository.ts';
import type { AttributesService } from '../attributes/attributes.service.ts';
import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';
import { insertMembership } from '../brands/brands.repository.ts';
import {
  type CredentialsService,
  hasPassword,
  type PasswordInput,
  type PreparedCredential,
  splitPassword,
} from '../credentials/credentials.service.ts';
import type { EventsService } from '../events/events.service.ts';
import type { RolesService } from '../roles/roles.service.ts';
import type { SigninThrottle } from '../signin-throttle/signin-throttle.service.ts';
import type { TenantsService } from '../tenants/tenants.service.ts';
import type { TenantRow } from '../tenants/tenants.table.ts';
import { withValueHolder } from './users.conflicts.ts';
import {
  findOrInsertUserWithEvents,
  findUserByExternalId,
  findUserById,
  findUserByIdForUpdate,
  findUsersByEmailOrPhone,
  insertUser,
  insertUserIfAbsent,
  insertUserIfAbsentWithEvents,
  type NewUser,
  type UserWithBrands,
  updateUser,
  updateUserAtVersionWithEvents,
} from './users.repository.ts';
import type { UserRow } from './users.table.ts';
import { type BrandMembership, toUserView, type UserInput, type UserView } from './users.ts';
import { isNoop, planUserWrite, type RoleEdit, type WritePlan, writeEvents } from './users.write-plan.ts';

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
  const { db, clock, ids, events } = deps;

  async function tenantOf(ctx: ActorContext): Promise<TenantRow> {
    const tenant = await deps.tenants.getTenantRow(ctx.tenantId);
    if (!tenant) throw new AppError('TENANT_NOT_FOUND');
    return tenant;
  }

  type PlanContext = [TenantRow, Map<string, AttributeDefinitionRow>, ReadonlySet<string> | undefined];

  /** What planning reads besides the user. Read it before a transaction: PGlite has one connection, `db` would wait forever. */
  async function planContext(ctx: ActorContext, input: UserInput, edit?: RoleEdit): Promise<PlanContext> {
    return Promise.all([
      tenantOf(ctx),
      input.attributes !== undefined ? deps.attributes.definitionsOf(ctx.tenantId) : Promise.resolve(new Map()),
      input.roles || edit ? deps.roles.rolesOf(ctx.tenantId) : Promise.resolve(undefined),
    ]);
  }

  function planWith(
    [tenant, definitions, roles]: PlanContext,
    ctx: ActorContext,
    input: UserInput,
    existing: UserRow | null,
    edit?: RoleEdit,
  ): WritePlan {
    return planUserWrite(ctx, input, existing, tenant, definitions, clock.now().toISOString().slice(0, 10), roles, edit);
  }

  async function plan(ctx: ActorContext, input: UserInput, existing: UserRow | null, edit?: RoleEdit): Promise<WritePlan> {
    return planWith(await planContext(ctx, input, edit), ctx, input, existing, edit);
  }

  /** The rest of the change, in the same transaction; the user as it left it. */
  async function runWithin(trx: Kysely<DB>, within: WithinUserWrite | undefined, user: UserView, created: boolean): Promise<UserView> {
    return within ? ((await within(trx, user, created)) ?? user) : user;
  }

  function newUser(p: WritePlan): NewUser {
    const u = p.update;
    return {
      ...u,
      id: ids.uuid(),
      links: u.links ?? {},
      consents: u.consents ?? {},
      attributes: u.attributes ?? {},
      search_text: u.search_text ?? '',
      created_at: clock.now(),
    };
  }

  /** Writes a created user's side rows and events inside the creating transaction. */
  async function afterInsert(
    trx: Kysely<DB>,
    ctx: ActorContext,
    row: UserRow,
    p: WritePlan,
    credential: PreparedCredential | null,
    within?: WithinUserWrite,
  ): Promise<UserView> {
    await replaceUniqueValues(trx, ctx.tenantId, row.id, p.uniqueValues);
    await events.record(trx, ctx, ...writeEvents('user.created', row.id, p));
    if (credential) await deps.credentials.store(trx, ctx, row.id, credential);
    const joined = await joinCallerBrand(trx, ctx, row.id);
    return runWithin(trx, within, toUserView(row, joined ? [joined] : []), true);
  }

  /**
   * Creates the planned user unless one of its unique identifiers is taken (null then). A user without side
   * rows (unique attribute values, a brand to join) is written with its event in one statement, which is
   * atomic on its own: two round trips fewer than a transaction, on the hot find-or-create path.
   */
  async function createIfAbsent(
    ctx: ActorContext,
    p: WritePlan,
    credential: PreparedCredential | null = null,
    within?: WithinUserWrite,
  ): Promise<UserView | null> {
    const user = newUser(p);
    if (p.uniqueValues.length === 0 && !ctx.brand && !credential && !within) {
      const created = events.rows(ctx, ...writeEvents('user.created', user.id, p));
      const row = await insertUserIfAbsentWithEvents(db, ctx.tenantId, user, created);
      return row ? toUserView(row, []) : null;
    }
    return inTransaction(db, async (trx) => {
      const row = await insertUserIfAbsent(trx, ctx.tenantId, user);
      return row ? afterInsert(trx, ctx, row, p, credential, within) : null;
    });
  }

  /**
   * The users holding the email or the phone and, when there are none, the planned user created unless one
   * of its identifiers is taken meanwhile. Without side rows that is one statement (one round trip for a
   * find or a create); otherwise a find, then createIfAbsent.
   */
  async function findOrInsert(
    ctx: ActorContext,
    p: WritePlan,
    email: string | null,
    phone: string | null,
    within?: WithinUserWrite,
  ): Promise<{ found: UserWithBrands[]; created: UserView | null }> {
    if (p.uniqueValues.length === 0 && !ctx.brand && !within) {
      const user = newUser(p);
      const created = events.rows(ctx, ...writeEvents('user.created', user.id, p));
      const rows = await findOrInsertUserWithEvents(db, ctx.tenantId, email, phone, user, created);
      const inserted = rows.find((row) => row.created);
      return { found: rows.filter((row) => !row.created), created: inserted ? toUserView(inserted, []) : null };
    }
    const found = await findUsersByEmailOrPhone(db, ctx.tenantId, email, phone);
    return { found, created: found.length > 0 ? null : await createIfAbsent(ctx, p, null, within) };
  }

  /** A brand-bound key makes every user it creates or finds a member of its brand; returns a new membership. */
  async function joinCallerBrand(trx: Kysely<DB>, ctx: ActorContext, userId: string): Promise<BrandMembership | null> {
    if (!ctx.brand) return null;
    const now = clock.now();
    if (!(await insertMembership(trx, ctx.tenantId, userId, ctx.brand.id, now))) return null;
    await events.record(trx, ctx, { type: 'user.brand_joined', userId, data: { brand: ctx.brand.slug } });
    return { slug: ctx.brand.slug, joinedAt: now.toISOString() };
  }

  async function withCallerBrand(ctx: ActorContext, user: UserWithBrands): Promise<UserView> {
    return joinedCallerBrand(ctx, toUserView(user, user.brands));
  }

  /**
   * Joins a found user to the caller's brand in a transaction of its own: never inside one that holds the
   * user's row lock, as the membership's foreign-key check waits for that lock (a deadlock with a parallel join).
   */
  async function joinedCallerBrand(ctx: ActorContext, view: UserView): Promise<UserView> {
    const brand = ctx.brand;
    if (!brand || view.brands.some((b) => b.slug === brand.slug)) return view;
    const joined = await inTransaction(db, async (trx) => {
      if (!(await joinCallerBrand(trx, ctx, view.id))) return null;
      // Memberships are part of the user: joining moves its version (and ETag) on.
      return updateUser(trx, ctx.tenantId, view.id, {}, clock.now());
    });
    if (joined) return toUserView(joined, joined.brands);
    // A concurrent request joined the user to the brand first (our insert waited for it): show that membership.
    const current = await findUserById(db, ctx.tenantId, view.id);
    return current ? toUserView(current, current.brands) : view;
  }

  /** The rest of a change to a user found (not written) by this call, under its row lock. */
  async function withinFound(ctx: ActorContext, view: UserView, within: WithinUserWrite | undefined): Promise<UserView> {
    if (!within) return view;
    return inTransaction(db, async (trx) => {
      const locked = await findUserByIdForUpdate(trx, ctx.tenantId, view.id);
      if (!locked) throw new AppError('USER_NOT_FOUND', 'User not found', { id: view.id });
      return runWithin(trx, within, toUserView(locked, locked.brands), false);
    });
  }

  /** Applies a plan made against `existing` if the user is still at that version; null when it is not. */
  async function updateAtVersion(ctx: ActorContext, existing: UserWithBrands, p: WritePlan): Promise<UserView | null> {
    const changed = events.rows(ctx, ...writeEvents('user.updated', existing.id, p));
    const row = await updateUserAtVersionWithEvents(db, ctx.tenantId, existing.id, existing.version, p.update, clock.now(), changed);
    return row ? toUserView(row, row.brands) : null;
  }

  async function applyPlan(
    trx: Kysely<DB>,
    ctx: ActorContext,
    existing: UserWithBrands,
    p: WritePlan,
    eventType: 'user.updated' | 'attribute.set' = 'user.updated',
    credential: PreparedCredential | null = null,
  ): Promise<UserView> {
    if (credential) {
      await deps.credentials.store(trx, ctx, existing.id, credential);
      await deps.endSessions(trx, ctx, existing.id, 'password_changed');
    }
    if (isNoop(p)) return toUserView(existing, existing.brands);
    const updated = await updateUser(trx, ctx.tenantId, existing.id, p.update, clock.now());
    if (!updated) throw new AppError('USER_NOT_FOUND', 'User not found', { id: existing.id });
    await replaceUniqueValues(trx, ctx.tenantId, existing.id, p.uniqueValues);
    await events.record(trx, ctx, ...writeEvents(eventType, existing.id, p));
    return toUserView(updated, updated.brands);
  }

  /** Checks and hashes a new password under the tenant's policy; null when the write sets none. */
  async function prepareCredential(ctx: ActorContext, password: PasswordInput): Promise<PreparedCredential | null> {
    if (!hasPassword(password)) return null;
    const tenant = await tenantOf(ctx);
    return deps.credentials.prepare(password, { rejectCommon: tenant.reject_common_passwords });
  }

  /** A password reset lifts sign-in locks on every identifier the user signs in with. */
  async function clearSigninLocks(ctx: ActorContext, user: UserView): Promise<void> {
    const identifiers = [
      user.email ? `email:${user.email}` : null,
      user.phone ? `phone:${user.phone}` : null,
      user.externalId ? `externalId:${user.externalId}` : null,
      user.username ? `username:${user.username.toLowerCase()}` : null,
    ].filter((value): value is string => value !== null);
    await deps.signinThrottle.clear(ctx.tenantId, identifiers);
  }

  return {
    async createUser(ctx, input, options = {}) {
      const { password, profile } = splitPassword(input);
      const p = await plan(ctx, profile, null, options.roles);
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
      const p = await plan(ctx, input, null, options.roles);
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
      const { within, roles: edit } = options;
      const split = splitPassword(input);
      const merged: UserInput = { ...split.profile, externalId };
      const credential = await prepareCredential(ctx, split.password);
      for (let attempt = 0; attempt < 3; attempt++) {
        const existing = await findUserByExternalId(db, ctx.tenantId, externalId.trim());
        if (existing) {
          const loaded = await planContext(ctx, merged, edit);
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
        const p = await plan(ctx, merged, null, edit);
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
      const loaded = await planContext(ctx, profile, options.roles);
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

function identifierRequired(fields: string[]): AppError {
  return new AppError(
    'USER_IDENTIFIER_REQUIRED',
    `One of ${fields.join(', ')} is required`,
    {},
    fields.map((field) => ({ field, code: 'required', message: `one of ${fields.join(', ')} is required` })),
  );
}
