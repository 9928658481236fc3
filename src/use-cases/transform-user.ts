import type { ActorContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { UserView } from '../modules/users/users.ts';
import type { UserChanges } from './apply-user-change.ts';
import type { UsersQueryService } from './query-users.ts';
import type { UserChange, UserChangeResult } from './user-change.ts';

export interface UserTransforms {
  /**
   * Reads the user, computes one change from it with a pure function (a SCIM PATCH or PUT over the user as it
   * is), and applies that change only while the user is still at the version it was computed from: one atomic
   * read-modify-write. With expectedVersion (If-Match), a user at another version fails at once; without, a user
   * that moved on meanwhile is read again and the change recomputed (up to 5 times). A change that changes
   * nothing writes nothing and records no event.
   * @throws AppError USER_NOT_FOUND, PRECONDITION_FAILED, UNAVAILABLE (kept moving), whatever the transform throws,
   *   and every error of applyUserChange
   */
  transformUser(
    ctx: ActorContext,
    id: string,
    transform: (user: UserView) => UserChange,
    expectedVersion?: number,
  ): Promise<UserChangeResult>;
}

export function createUserTransforms(deps: { usersQuery: Pick<UsersQueryService, 'getUser'>; userChanges: UserChanges }): UserTransforms {
  return {
    async transformUser(ctx, id, transform, expectedVersion) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const user = await deps.usersQuery.getUser(ctx, id);
        if (expectedVersion !== undefined && user.version !== expectedVersion) {
          throw new AppError('PRECONDITION_FAILED', 'The user has changed since that version', { currentVersion: user.version });
        }
        const change = transform(user);
        try {
          return await deps.userChanges.applyUserChange(ctx, { kind: 'id', id, expectedVersion: user.version }, change);
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'PRECONDITION_FAILED' || expectedVersion !== undefined) throw error;
        }
      }
      throw new AppError('UNAVAILABLE', 'The user kept changing; retry');
    },
  };
}
