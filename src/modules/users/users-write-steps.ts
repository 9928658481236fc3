import type { Kysely } from 'kysely';
import type { ActorContext } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { replaceUniqueValues } from '../attributes/attributes.repository.ts';
import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';
import { insertMembership } from '../brands/brands.repository.ts';
import { hasPassword, type PasswordInput, type PreparedCredential } from '../credentials/credentials.service.ts';
import type { TenantRow } from '../tenants/tenants.table.ts';
import {
  findOrInsertUserWithEvents,
  findUserById,
  findUserByIdForUpdate,
  findUsersByEmailOrPhone,
  insertUserIfAbsent,
  insertUserIfAbsentWithEvents,
  type NewUser,
  type UserWithBrands,
  updateUser,
  updateUserAtVersionWithEvents,
} from './users.repository.ts';
import type { UsersDeps, WithinUserWrite } from './users.service.ts';
import type { UserRow } from './users.table.ts';
import { type BrandMembership, toUserView, type UserInput, type UserView } from './users.ts';
import { isNoop, newUserRow, planUserWrite, type RoleEdit, type WritePlan, writeEvents } from './users.write-plan.ts';

/**
 * The steps the users service composes its writes of: planning against the tenant's rules, the create paths
 * (one statement when there are no side rows, else a transaction), the in-transaction change steps (apply a
 * plan, store a credential, join the caller's brand, run the use case's `within`), and what follows a commit.
 * They close over the service's dependencies; only users.service.ts calls them.
 */
export function createUserWriteSteps(deps: UsersDeps) {
  const { db, clock, ids, events } = deps;

  async function tenantOf(ctx: ActorContext): Promise<TenantRow> {
    const tenant = await deps.tenants.getTenantRow(ctx.tenantId);
    if (!tenant) throw new AppError('TENANT_NOT_FOUND');
    return tenant;
  }

  type PlanContext = [TenantRow, Map<string, AttributeDefinitionRow>, ReadonlySet<string> | undefined];

  /** What planning reads besides the user. Read it before a transaction: PGlite has one connection, `db` would wait forever. */
  async function planContext(
    ctx: ActorContext,
    input: UserInput,
    edit?: RoleEdit,
    pending: readonly AttributeDefinitionRow[] = [],
  ): Promise<PlanContext> {
    const [tenant, definitions, roles] = await Promise.all([
      tenantOf(ctx),
      input.attributes !== undefined
        ? deps.attributes.definitionsOf(ctx.tenantId)
        : Promise.resolve(new Map<string, AttributeDefinitionRow>()),
      input.roles || edit ? deps.roles.rolesOf(ctx.tenantId) : Promise.resolve(undefined),
    ]);
    if (pending.length === 0) return [tenant, definitions, roles];
    // Definitions the change creates in its transaction count as defined (one existing meanwhile wins).
    return [tenant, new Map([...pending.map((d) => [d.name, d] as const), ...definitions]), roles];
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

  async function plan(
    ctx: ActorContext,
    input: UserInput,
    existing: UserRow | null,
    edit?: RoleEdit,
    pending?: readonly AttributeDefinitionRow[],
  ): Promise<WritePlan> {
    return planWith(await planContext(ctx, input, edit, pending), ctx, input, existing, edit);
  }

  /** The rest of the change, in the same transaction; the user as it left it. */
  async function runWithin(trx: Kysely<DB>, within: WithinUserWrite | undefined, user: UserView, created: boolean): Promise<UserView> {
    return within ? ((await within(trx, user, created)) ?? user) : user;
  }

  const newUser = (p: WritePlan): NewUser => newUserRow(p, ids.uuid(), clock.now());

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
  };
}

/** The error for a write that names none of the identifiers a user needs (it does not throw; callers throw it). */
export function identifierRequired(fields: string[]): AppError {
  return new AppError(
    'USER_IDENTIFIER_REQUIRED',
    `One of ${fields.join(', ')} is required`,
    {},
    fields.map((field) => ({ field, code: 'required', message: `one of ${fields.join(', ')} is required` })),
  );
}
