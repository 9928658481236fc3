import type { ActorContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import { hasScope, type Scope } from '../modules/api-keys/api-keys.ts';
import { hasPassword } from '../modules/credentials/credentials.service.ts';
import type { UserWrite } from '../modules/users/users.service.ts';
import type { RoleEdit } from '../modules/users/users.write-plan.ts';
import type { UserChange } from './user-change.ts';

/** True when the change writes rows besides the user's own (memberships, assignments, status, a session). */
export function hasSideParts(change: UserChange, session: boolean): boolean {
  return (
    session ||
    change.status !== undefined ||
    Boolean(change.defineAttributes?.length) ||
    Boolean(change.brands?.join?.length || change.brands?.leave?.length) ||
    Boolean(change.companies?.join?.length) ||
    Boolean(change.plans?.assign?.length || change.plans?.end?.length)
  );
}

/**
 * The scopes a change needs beyond the route's own (users:write): a key that may not write companies or plans
 * cannot make a user a member or assign a plan, and is refused before anything is written.
 * @throws AppError SCOPE_MISSING
 */
export function requireChangeScopes(ctx: ActorContext, change: UserChange): void {
  const needed: Scope[] = [];
  if (change.companies?.join?.length) needed.push('companies:write');
  if (change.plans?.assign?.length || change.plans?.end?.length) needed.push('plans:write');
  for (const scope of needed) {
    if (!hasScope(ctx.scopes, scope)) throw new AppError('SCOPE_MISSING', `This key lacks the ${scope} scope`, { scope });
  }
}

/** The user-row part of a change as the users service writes it: profile, attributes, set roles, credential. */
export function toUserWrite(change: UserChange): UserWrite {
  const write: UserWrite = { ...change.profile };
  if (change.attributes !== undefined) write.attributes = change.attributes;
  if (change.roles?.set !== undefined) write.roles = change.roles.set;
  if (change.credential && hasPassword(change.credential)) Object.assign(write, change.credential);
  return write;
}

/** The role edits of a change, applied to the locked row; undefined when it adds and removes none. */
export function roleEditOf(change: UserChange): RoleEdit | undefined {
  const { add, remove } = change.roles ?? {};
  return add?.length || remove?.length ? { add, remove } : undefined;
}
