import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { ActorContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import type { EventsService } from '../modules/events/events.service.ts';
import { findUserByIdForUpdate, type UserWithBrands } from '../modules/users/users.repository.ts';
import { isUserId } from '../modules/users/users.service.ts';
import { USER_DATA_PARTS, type UserDataPart, type UserDataScope } from './user-data-registry.ts';

/** Everything Roster holds about one user: one key per part of the registry, plus when it was taken. */
export type UserExport = { exportedAt: string } & Record<string, unknown>;

/** The data lifecycle of one user, walked over every part of the user data registry. */
export interface UserDataService {
  /**
   * Erases the user's personal data from every table in one transaction and records `user.erased`; the user
   * row stays as an anonymous tombstone, invisible to every read.
   * @throws AppError USER_NOT_FOUND (also for an erased user or another tenant's id)
   */
  eraseUser(ctx: ActorContext, id: string): Promise<void>;
  /**
   * Everything held about the user, read in one transaction, and a `user.exported` event.
   * @throws AppError USER_NOT_FOUND (also for an erased user or another tenant's id)
   */
  exportUser(ctx: ActorContext, id: string): Promise<UserExport>;
}

export interface UserDataDeps {
  db: Kysely<DB>;
  clock: Clock;
  events: EventsService;
  /** The parts to walk; the full registry unless a test injects a failing one. */
  parts?: readonly UserDataPart[];
}

function notFound(id: string): AppError {
  return new AppError('USER_NOT_FOUND', 'User not found', { id });
}

export function createUserDataService(deps: UserDataDeps): UserDataService {
  const { db, clock, events } = deps;
  const parts = deps.parts ?? USER_DATA_PARTS;

  /** Runs work with the user locked, so a concurrent write cannot slip between two parts. */
  function withLockedUser<T>(ctx: ActorContext, id: string, work: (scope: UserDataScope, user: UserWithBrands) => Promise<T>): Promise<T> {
    if (!isUserId(id)) return Promise.reject(notFound(id));
    return inTransaction(db, async (trx) => {
      const user = await findUserByIdForUpdate(trx, ctx.tenantId, id);
      if (!user) throw notFound(id);
      return work({ trx, ctx, user, now: clock.now(), events }, user);
    });
  }

  return {
    eraseUser: (ctx, id) =>
      withLockedUser(ctx, id, async (scope) => {
        for (const part of parts) await part.erase(scope);
        await events.record(scope.trx, ctx, { type: 'user.erased', userId: id });
      }),

    exportUser: (ctx, id) =>
      withLockedUser(ctx, id, async (scope) => {
        const document: UserExport = { exportedAt: scope.now.toISOString() };
        for (const part of parts) document[part.name] = await part.export(scope);
        // A notable read: who took a copy of everything about this person, and when.
        await events.record(scope.trx, ctx, { type: 'user.exported', userId: id, data: { parts: parts.map((p) => p.name) } });
        return document;
      }),
  };
}
