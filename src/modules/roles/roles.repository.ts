import { type Kysely, sql } from 'kysely';
import { AppError } from '../../core/errors.ts';
import { withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { RoleRow } from './roles.table.ts';

/** The conflict of a role name that is already defined (a built-in name is refused the same way by the service). */
export function roleExists(name: string): AppError {
  return new AppError('ROLE_EXISTS', `Role ${name} is already defined`, { name }, [
    { field: 'name', code: 'taken', message: 'is already defined' },
  ]);
}

/**
 * Inserts a role definition.
 * @throws AppError ROLE_EXISTS when the name is taken
 */
export async function insertRole(db: Kysely<DB>, row: RoleRow): Promise<void> {
  await withUniqueRules({ roles_pkey: () => roleExists(row.name) }, () => db.insertInto('roles').values(row).execute());
}

export async function listRoles(db: Kysely<DB>, tenantId: string): Promise<RoleRow[]> {
  return db.selectFrom('roles').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
}

/** Deletes a role definition; false when there was none. */
export async function deleteRole(db: Kysely<DB>, tenantId: string, name: string): Promise<boolean> {
  const result = await db.deleteFrom('roles').where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Takes a role away from every user of the tenant holding it, moving each one's version on.
 * @returns the users changed, with the roles they hold now.
 */
export async function removeRoleFromUsers(
  db: Kysely<DB>,
  tenantId: string,
  role: string,
  now: Date,
): Promise<{ id: string; roles: string[] }[]> {
  return db
    .updateTable('users')
    .set((eb) => ({ roles: sql<string[]>`array_remove(roles, ${role})`, updated_at: now, version: eb('version', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where('erased_at', 'is', null)
    .where(sql<boolean>`roles @> array[${role}]::text[]`)
    .returning(['id', 'roles'])
    .execute();
}

/**
 * Takes a role away from every group of the tenant giving it, moving each one's version on.
 * @returns the groups changed, with the roles they give now.
 */
export async function removeRoleFromGroups(
  db: Kysely<DB>,
  tenantId: string,
  role: string,
  now: Date,
): Promise<{ id: string; display_name: string; external_id: string | null; roles: string[] }[]> {
  return db
    .updateTable('groups')
    .set((eb) => ({ roles: sql<string[]>`array_remove(roles, ${role})`, updated_at: now, version: eb('version', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where(sql<boolean>`roles @> array[${role}]::text[]`)
    .returning(['id', 'display_name', 'external_id', 'roles'])
    .execute();
}
