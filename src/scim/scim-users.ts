import type { ActorContext } from '../core/context.ts';
import type { UserView } from '../modules/users/users.ts';
import type { Registry } from '../registry.ts';
import { ScimError } from './protocol/errors.ts';
import { applyPatch, parsePatchRequest } from './protocol/patch.ts';
import { SCIM_LIMITS } from './scim-discovery.ts';
import { isMultiValued, USER_SCHEMA, userCaseExact } from './scim-schemas.ts';
import { type ScimUser, toScimUser, toUserChange } from './user-mapping.ts';

/** The Users writes as functions of (context, input): the routes and Bulk both call them. */

export type ScimUserDeps = Pick<Registry, 'userChanges' | 'userTransforms' | 'usersQuery' | 'userData' | 'groupMembers'>;

export interface UserWriteResult {
  status: number;
  resource: ScimUser | null;
  version?: number;
}

const PATCH_SCHEMA = { coreSchemas: [USER_SCHEMA], multiValued: isMultiValued, caseExact: userCaseExact };

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ScimError(400, 'invalidSyntax', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The SCIM User writes over the core use cases. Each throws AppError or ScimError, mapped by the caller. */
export function scimUserWrites(registry: ScimUserDeps) {
  /** The SCIM User with its groups (one query). */
  async function render(ctx: ActorContext, user: UserView, base: string): Promise<ScimUser> {
    const groups = await registry.groupMembers.groupsOfUsers(ctx, [user.id]);
    return toScimUser(user, base, groups.get(user.id));
  }
  return {
    render,
    async create(ctx: ActorContext, base: string, body: unknown): Promise<UserWriteResult> {
      const { user } = await registry.userChanges.applyUserChange(ctx, { kind: 'create' }, toUserChange(object(body), false));
      return { status: 201, resource: await render(ctx, user, base), version: user.version };
    },

    async replace(ctx: ActorContext, base: string, id: string, body: unknown, ifMatch?: number): Promise<UserWriteResult> {
      const change = toUserChange(object(body), true);
      const { user } = await registry.userTransforms.transformUser(ctx, id, () => change, ifMatch);
      return { status: 200, resource: await render(ctx, user, base), version: user.version };
    },

    async patch(ctx: ActorContext, base: string, id: string, body: unknown, ifMatch?: number): Promise<UserWriteResult> {
      const operations = parsePatchRequest(object(body), SCIM_LIMITS.patchMaxOperations);
      for (const op of operations) {
        const top = op.path?.path.attr.toLowerCase();
        if (top === 'id' || top === 'meta' || top === 'groups') throw new ScimError(400, 'mutability', `${op.pathText} is read-only`);
      }
      const { user } = await registry.userTransforms.transformUser(
        ctx,
        id,
        (current) => toUserChange(applyPatch(toScimUser(current, base), operations, PATCH_SCHEMA), true),
        ifMatch,
      );
      return { status: 200, resource: await render(ctx, user, base), version: user.version };
    },

    async remove(ctx: ActorContext, id: string, ifMatch?: number): Promise<UserWriteResult> {
      if (ifMatch !== undefined) {
        const user = await registry.usersQuery.getUser(ctx, id);
        if (user.version !== ifMatch) throw new ScimError(412, null, 'The user has changed since that version');
      }
      await registry.userData.eraseUser(ctx, id);
      return { status: 204, resource: null };
    },
  };
}
