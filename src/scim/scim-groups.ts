import type { ActorContext } from '../core/context.ts';
import { type GroupListQuery, type ScimGroupsPort, toGroupChange, toGroupPatch, toScimGroup } from './group-mapping.ts';
import { ScimError } from './protocol/errors.ts';
import type { Filter } from './protocol/filter-ast.ts';
import { parseFilter } from './protocol/filter-parser.ts';
import type { ListParams } from './protocol/list.ts';
import { parsePatchRequest } from './protocol/patch.ts';
import { SCIM_LIMITS } from './scim-discovery.ts';
import { GROUP_SCHEMA } from './scim-schemas.ts';
import type { UserWriteResult } from './scim-users.ts';

/** The Groups writes and list as functions of (context, input): the routes and Bulk both call them. */

type Where = Pick<GroupListQuery, 'displayName' | 'externalId' | 'member'>;

function invalidFilter(): ScimError {
  return new ScimError(
    400,
    'invalidFilter',
    'Groups filter on displayName eq, externalId eq and members[value eq "…"] (or members.value eq), joined with and',
  );
}

function stringEq(f: Filter): string {
  if (f.kind !== 'compare' || f.op !== 'eq' || typeof f.value !== 'string') throw invalidFilter();
  return f.value;
}

function collect(f: Filter, where: Where): void {
  if (f.kind === 'and') {
    collect(f.left, where);
    collect(f.right, where);
    return;
  }
  if (f.kind !== 'compare' && f.kind !== 'valuePath') throw invalidFilter();
  if (f.path.uri !== null && f.path.uri.toLowerCase() !== GROUP_SCHEMA.toLowerCase()) throw invalidFilter();
  const attr = f.path.attr.toLowerCase();
  const sub = f.path.sub?.toLowerCase() ?? null;
  let key: keyof Where;
  let value: string;
  if (f.kind === 'valuePath' && attr === 'members' && !sub) {
    if (f.filter.kind !== 'compare' || f.filter.path.attr.toLowerCase() !== 'value' || f.filter.path.sub) throw invalidFilter();
    key = 'member';
    value = stringEq(f.filter);
  } else if (attr === 'members' && sub === 'value') {
    key = 'member';
    value = stringEq(f);
  } else if ((attr === 'displayname' || attr === 'externalid') && !sub) {
    key = attr === 'displayname' ? 'displayName' : 'externalId';
    value = stringEq(f);
  } else throw invalidFilter();
  // Two different values for one attribute match nothing; the core takes one, so say so instead of guessing.
  if (where[key] !== undefined && where[key] !== value) throw new ScimError(400, 'invalidFilter', `${key} is compared twice`);
  where[key] = value;
}

/**
 * The core query of a Groups filter: what Okta and Entra send (`displayName eq`, `externalId eq`, a member test),
 * joined by `and`. Everything else is refused rather than filtered in memory.
 * @throws ScimError 400 invalidFilter
 */
export function toGroupWhere(filter: string | undefined): Where {
  const where: Where = {};
  if (filter) collect(parseFilter(filter), where);
  return where;
}

/** Whether a projection shows `members` (Entra's and Okta's `excludedAttributes=members` reads no member). */
export function wantsMembers(params: Pick<ListParams, 'attributes' | 'excludedAttributes'>): boolean {
  const named = (list: string[] | undefined) =>
    (list ?? []).some((a) => {
      const n = a.toLowerCase().replace(`${GROUP_SCHEMA.toLowerCase()}:`, '');
      return n === 'members' || n.startsWith('members.');
    });
  if (params.attributes?.length) return named(params.attributes);
  return !(params.excludedAttributes ?? []).some((a) => a.toLowerCase().replace(`${GROUP_SCHEMA.toLowerCase()}:`, '') === 'members');
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ScimError(400, 'invalidSyntax', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The SCIM Group writes over the port. Each throws AppError or ScimError, mapped by the caller. */
export function scimGroupWrites(port: ScimGroupsPort) {
  return {
    async create(ctx: ActorContext, base: string, body: unknown, excludeMembers = false): Promise<UserWriteResult> {
      const group = await port.createGroup(ctx, toGroupChange(object(body)), excludeMembers);
      return { status: 201, resource: toScimGroup(group, base, excludeMembers) as UserWriteResult['resource'], version: group.version };
    },

    async replace(
      ctx: ActorContext,
      base: string,
      id: string,
      body: unknown,
      ifMatch?: number,
      excludeMembers = false,
    ): Promise<UserWriteResult> {
      const group = await port.replaceGroup(ctx, id, toGroupChange(object(body)), ifMatch, excludeMembers);
      return { status: 200, resource: toScimGroup(group, base, excludeMembers) as UserWriteResult['resource'], version: group.version };
    },

    async patch(
      ctx: ActorContext,
      base: string,
      id: string,
      body: unknown,
      ifMatch?: number,
      excludeMembers = false,
    ): Promise<UserWriteResult> {
      const operations = parsePatchRequest(object(body), SCIM_LIMITS.patchMaxOperations);
      for (const op of operations) {
        const top = op.path?.path.attr.toLowerCase();
        if (top === 'id' || top === 'meta') throw new ScimError(400, 'mutability', `${op.pathText} is read-only`);
      }
      // A no-op PATCH (members already in, non-members removed) is a core change that changes nothing: no write.
      const group = await port.patchGroup(ctx, id, toGroupPatch(operations), ifMatch, excludeMembers);
      return { status: 200, resource: toScimGroup(group, base, excludeMembers) as UserWriteResult['resource'], version: group.version };
    },

    async remove(ctx: ActorContext, id: string, ifMatch?: number): Promise<UserWriteResult> {
      if (ifMatch !== undefined) {
        const group = await port.getGroup(ctx, id, true);
        if (group.version !== ifMatch) throw new ScimError(412, null, 'The group has changed since that version');
      }
      await port.deleteGroup(ctx, id);
      return { status: 204, resource: null };
    },
  };
}
