import type { ActorContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { hasPassword } from '../modules/credentials/credentials.service.ts';
import type { CreatedResult, UsersService, UserWriteOptions, WithinUserWrite } from '../modules/users/users.service.ts';
import { retryConflicts } from './retry-conflicts.ts';
import { hasSideParts, requireChangeScopes, roleEditOf, toUserWrite } from './user-change.plan.ts';
import { prepareParts, type StepsDeps, writeParts } from './user-change.steps.ts';
import {
  type ApplyOptions,
  emptyFacts,
  type UserChange,
  type UserChangeFacts,
  type UserChangeResult,
  type UserChangeTarget,
} from './user-change.ts';

export interface UserChangesDeps extends StepsDeps {
  users: UsersService;
}

export interface UserChanges {
  /**
   * Applies one change to one user in one transaction with all its events: the user row (created, found or
   * merge-patched, race-safe as the users service is) and every side part, or nothing at all. Retries its own
   * serialization failures and deadlocks. A change with no side parts takes the users service's single-statement
   * paths unchanged.
   * @throws AppError SCOPE_MISSING, VALIDATION_FAILED, USER_IDENTIFIER_REQUIRED, USER_IDENTIFIERS_CONFLICT,
   *   USER_*_TAKEN, USER_NOT_FOUND, PRECONDITION_FAILED (If-Match), BRAND_NOT_FOUND, COMPANY_NOT_FOUND,
   *   PLAN_NOT_FOUND, PLAN_ASSIGNMENT_NOT_FOUND, USER_DEACTIVATED, SESSIONS_LIMIT_REACHED, PASSWORD_HASHING_BUSY
   */
  applyUserChange(ctx: ActorContext, target: UserChangeTarget, change: UserChange, options?: ApplyOptions): Promise<UserChangeResult>;
}

/** The use case every adapter calls to change a user: the native API, the vendor dialects, and what comes next. */
export function createUserChanges(deps: UserChangesDeps): UserChanges {
  const { users } = deps;

  function write(
    ctx: ActorContext,
    target: UserChangeTarget,
    change: UserChange,
    options: ApplyOptions,
    opts: UserWriteOptions,
  ): Promise<CreatedResult> {
    const input = toUserWrite(change);
    switch (target.kind) {
      case 'create':
        return users.createUser(ctx, input, opts).then((user) => ({ created: true, user }));
      case 'find-or-create': {
        if (change.credential && hasPassword(change.credential)) {
          throw new AppError('VALIDATION_FAILED', 'password: a find-or-create sets no password', {}, [
            { field: 'password', code: 'not_allowed', message: 'a find-or-create sets no password' },
          ]);
        }
        return users.findOrCreateUser(ctx, input, opts);
      }
      case 'upsert':
        return users.upsertUserByExternalId(ctx, target.externalId, input, opts);
      case 'id':
        return users
          .patchUser(ctx, target.id, input, target.expectedVersion, options.eventType, opts)
          .then((user) => ({ created: false, user }));
    }
  }

  return {
    async applyUserChange(ctx, target, change, options = {}) {
      requireChangeScopes(ctx, change);
      const roles = roleEditOf(change);
      const credentialSet = Boolean(change.credential && hasPassword(change.credential));
      if (!hasSideParts(change, options.passwordlessSession !== undefined)) {
        const { created, user } = await write(ctx, target, change, options, { roles });
        const facts = emptyFacts();
        if (created && ctx.brand) facts.brandsJoined.push(ctx.brand.slug);
        facts.credentialSet = credentialSet;
        return { created, user, facts };
      }
      const parts = await prepareParts(deps, ctx, change, options);
      return retryConflicts(async () => {
        // The users service may run `within` more than once (a create that lost a race goes round); the last run committed.
        let facts: UserChangeFacts = emptyFacts();
        const within: WithinUserWrite = async (trx, user, created) => {
          const written = await writeParts(deps, trx, ctx, user, created, parts);
          facts = written.facts;
          return written.user;
        };
        const { created, user } = await write(ctx, target, change, options, { roles, within, definitions: parts.define });
        facts.credentialSet = credentialSet;
        return { created, user, facts };
      });
    },
  };
}
