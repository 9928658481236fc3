import type { Kysely } from 'kysely';
import type { ActorContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { deleteMembership, findBrandBySlug, insertMembership } from '../modules/brands/brands.repository.ts';
import { endUserSessions } from '../modules/sessions/session-revocation.ts';
import { findUserById, findUserByIdForUpdate, updateUser } from '../modules/users/users.repository.ts';
import { isUserId, type UsersDeps, type UsersService } from '../modules/users/users.service.ts';
import { toUserView, type UserView } from '../modules/users/users.ts';

export interface UsersLifecycleService {
  /** Idempotent; ends every session of the user. @throws AppError USER_NOT_FOUND */
  deactivateUser(ctx: ActorContext, id: string): Promise<UserView>;
  /** Idempotent. @throws AppError USER_NOT_FOUND */
  reactivateUser(ctx: ActorContext, id: string): Promise<UserView>;
  /** @throws AppError USER_NOT_FOUND, BRAND_NOT_FOUND */
  joinBrand(ctx: ActorContext, id: string, brandSlug: string): Promise<{ joined: boolean; user: UserView }>;
  /** @throws AppError USER_NOT_FOUND, BRAND_NOT_FOUND */
  leaveBrand(ctx: ActorContext, id: string, brandSlug: string): Promise<UserView>;
  /** Sets many custom attributes (null removes one). @throws AppError USER_NOT_FOUND, VALIDATION_FAILED, ATTRIBUTE_VALUE_TAKEN */
  setAttributes(ctx: ActorContext, id: string, values: Record<string, unknown>, expectedVersion?: number): Promise<UserView>;
  /** The brand a change names, read before its transaction. @throws AppError BRAND_NOT_FOUND */
  requireBrand(ctx: ActorContext, slug: string): Promise<BrandRef>;
  /**
   * Joins or leaves a brand inside a user change's transaction (which holds the user), with its event; the user
   * as it is after, or null when it was already so. `touch` moves the version on (not needed on a new user).
   */
  writeBrandMembership(
    trx: Kysely<DB>,
    ctx: ActorContext,
    userId: string,
    brand: BrandRef,
    action: 'join' | 'leave',
    touch: boolean,
  ): Promise<UserView | null>;
  /** Deactivates or reactivates inside a user change's transaction; null when the user already has that status. */
  writeStatus(trx: Kysely<DB>, ctx: ActorContext, user: UserView, status: UserStatus): Promise<UserView | null>;
}

export type UserStatus = 'active' | 'deactivated';
export interface BrandRef {
  id: string;
  slug: string;
}

function notFound(id: string): AppError {
  return new AppError('USER_NOT_FOUND', 'User not found', { id });
}

export function createUsersLifecycleService(deps: UsersDeps, users: UsersService): UsersLifecycleService {
  const { db, clock, events } = deps;

  async function setStatus(ctx: ActorContext, id: string, status: UserStatus): Promise<UserView> {
    if (!isUserId(id)) throw notFound(id);
    return inTransaction(db, async (trx) => {
      const existing = await findUserByIdForUpdate(trx, ctx.tenantId, id);
      if (!existing) throw notFound(id);
      const view = toUserView(existing, existing.brands);
      return (await writeStatus(trx, ctx, view, status)) ?? view;
    });
  }

  async function writeStatus(trx: Kysely<DB>, ctx: ActorContext, existing: UserView, status: UserStatus): Promise<UserView | null> {
    const id = existing.id;
    if (existing.status === status) return null;
    const now = clock.now();
    const updated = await updateUser(trx, ctx.tenantId, id, { status, deactivated_at: status === 'active' ? null : now }, now);
    if (!updated) throw notFound(id);
    await events.record(trx, ctx, {
      type: status === 'active' ? 'user.reactivated' : 'user.deactivated',
      userId: id,
      changes: { status: { before: existing.status, after: status } },
    });
    if (status === 'deactivated') await endUserSessions(trx, events, ctx, id, 'deactivated', now);
    return toUserView(updated, updated.brands);
  }

  async function writeBrandMembership(
    trx: Kysely<DB>,
    ctx: ActorContext,
    id: string,
    brand: BrandRef,
    action: 'join' | 'leave',
    touch: boolean,
  ): Promise<UserView | null> {
    const now = clock.now();
    if (action === 'join') {
      if (!(await insertMembership(trx, ctx.tenantId, id, brand.id, now))) return null;
      await events.record(trx, ctx, { type: 'user.brand_joined', userId: id, data: { brand: brand.slug } });
    } else {
      if (!(await deleteMembership(trx, ctx.tenantId, id, brand.id))) return null;
      await events.record(trx, ctx, { type: 'user.brand_left', userId: id, data: { brand: brand.slug } });
    }
    if (touch) return touched(trx, ctx, id, now);
    const row = await findUserById(trx, ctx.tenantId, id);
    if (!row) throw notFound(id);
    return toUserView(row, row.brands);
  }

  /** Memberships are part of the user resource: a change to them moves its version (and ETag) on. */
  async function touched(trx: Kysely<DB>, ctx: ActorContext, id: string, now: Date): Promise<UserView> {
    const updated = await updateUser(trx, ctx.tenantId, id, {}, now);
    if (!updated) throw notFound(id);
    return toUserView(updated, updated.brands);
  }

  async function requireBrandId(ctx: ActorContext, slug: string): Promise<{ id: string; slug: string }> {
    const brand = await findBrandBySlug(db, ctx.tenantId, slug);
    if (!brand) throw new AppError('BRAND_NOT_FOUND', `Brand ${slug} not found`, { brand: slug });
    return brand;
  }

  return {
    requireBrand: requireBrandId,
    writeBrandMembership,
    writeStatus,
    deactivateUser: (ctx, id) => setStatus(ctx, id, 'deactivated'),
    reactivateUser: (ctx, id) => setStatus(ctx, id, 'active'),

    async joinBrand(ctx, id, brandSlug) {
      if (!isUserId(id)) throw notFound(id);
      const brand = await requireBrandId(ctx, brandSlug);
      return inTransaction(db, async (trx) => {
        const existing = await findUserByIdForUpdate(trx, ctx.tenantId, id);
        if (!existing) throw notFound(id);
        const now = clock.now();
        const joined = await insertMembership(trx, ctx.tenantId, id, brand.id, now);
        if (!joined) return { joined, user: toUserView(existing, existing.brands) };
        await events.record(trx, ctx, { type: 'user.brand_joined', userId: id, data: { brand: brand.slug } });
        return { joined, user: await touched(trx, ctx, id, now) };
      });
    },

    async leaveBrand(ctx, id, brandSlug) {
      if (!isUserId(id)) throw notFound(id);
      const brand = await requireBrandId(ctx, brandSlug);
      return inTransaction(db, async (trx) => {
        const existing = await findUserByIdForUpdate(trx, ctx.tenantId, id);
        if (!existing) throw notFound(id);
        if (!(await deleteMembership(trx, ctx.tenantId, id, brand.id))) return toUserView(existing, existing.brands);
        await events.record(trx, ctx, { type: 'user.brand_left', userId: id, data: { brand: brand.slug } });
        return touched(trx, ctx, id, clock.now());
      });
    },

    async setAttributes(ctx, id, values, expectedVersion) {
      return users.patchUser(ctx, id, { attributes: values }, expectedVersion, 'attribute.set');
    },
  };
}
