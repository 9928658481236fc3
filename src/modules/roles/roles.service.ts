import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { notFound } from '../../core/error-helpers.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventInput, EventsService } from '../events/events.service.ts';
import { deleteRole, insertRole, listRoles, removeRoleFromGroups, removeRoleFromUsers, roleExists } from './roles.repository.ts';
import type { RoleRow } from './roles.table.ts';
import { BUILT_IN_ROLES, builtInRoleView, ROLE_NAME, type RoleInput, type RoleView, toRoleView } from './roles.ts';

export interface RolesService {
  /** Built-in roles first, then the tenant's, by name. */
  listRoles(ctx: ActorContext): Promise<RoleView[]>;
  /** @throws AppError VALIDATION_FAILED, ROLE_EXISTS (also for a built-in name) */
  defineRole(ctx: ActorContext, input: RoleInput): Promise<RoleView>;
  /**
   * Deletes a tenant-defined role and takes it away from every user holding it (each gets a user.roles_changed event)
   * and every group giving it (each gets a group.updated event).
   * @throws AppError ROLE_BUILT_IN, ROLE_NOT_FOUND
   */
  deleteRole(ctx: ActorContext, name: string): Promise<void>;
  /** Every role a user of the tenant may hold, cached for a few seconds. */
  rolesOf(tenantId: string): Promise<ReadonlySet<string>>;
}

const CACHE_MS = 5_000;
/** Tenants whose roles one process keeps. */
const CACHE_ENTRIES = 10_000;

export function createRolesService(deps: { db: Kysely<DB>; clock: Clock; events: EventsService }): RolesService {
  const { db, clock, events } = deps;
  const cache = new TtlCache<string, ReadonlySet<string>>({ clock, ttlMs: CACHE_MS, maxEntries: CACHE_ENTRIES });

  return {
    async listRoles(ctx) {
      return [...BUILT_IN_ROLES.map(builtInRoleView), ...(await listRoles(db, ctx.tenantId)).map(toRoleView)];
    },

    async defineRole(ctx, input) {
      const name = input.name.trim();
      if (!ROLE_NAME.test(name)) {
        throw invalidField('name', 'must be letters, digits and _ . : - (at most 64), starting with a letter', 'invalid_name');
      }
      if (BUILT_IN_ROLES.includes(name)) throw roleExists(name);
      const row: RoleRow = { tenant_id: ctx.tenantId, name, description: input.description?.trim() || null, created_at: clock.now() };
      await inTransaction(db, async (trx) => {
        await insertRole(trx, row);
        await events.record(trx, ctx, { type: 'role.defined', data: { name, description: row.description } });
      });
      cache.delete(ctx.tenantId);
      return toRoleView(row);
    },

    async deleteRole(ctx, name) {
      if (BUILT_IN_ROLES.includes(name)) throw new AppError('ROLE_BUILT_IN', `${name} is a built-in role`, { name });
      await inTransaction(db, async (trx) => {
        if (!(await deleteRole(trx, ctx.tenantId, name))) throw notFound('ROLE_NOT_FOUND', { name }, { message: `Role ${name} not found` });
        const changed = await removeRoleFromUsers(trx, ctx.tenantId, name, clock.now());
        const groups = await removeRoleFromGroups(trx, ctx.tenantId, name, clock.now());
        await events.record(
          trx,
          ctx,
          { type: 'role.deleted', data: { name, usersChanged: changed.length } },
          ...changed.map(
            (user): EventInput => ({
              type: 'user.roles_changed',
              userId: user.id,
              changes: { roles: { before: [...user.roles, name].sort(), after: user.roles } },
            }),
          ),
          ...groups.map(
            (group): EventInput => ({
              type: 'group.updated',
              changes: { roles: { before: [...group.roles, name].sort(), after: group.roles } },
              data: { groupId: group.id, displayName: group.display_name, externalId: group.external_id },
            }),
          ),
        );
      });
      cache.delete(ctx.tenantId);
    },

    async rolesOf(tenantId) {
      const hit = cache.get(tenantId);
      if (hit) return hit;
      const roles = new Set([...BUILT_IN_ROLES, ...(await listRoles(db, tenantId)).map((r) => r.name)]);
      cache.set(tenantId, roles);
      return roles;
    },
  };
}
