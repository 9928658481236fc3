import type { Static } from 'typebox';
import type { RoleInputSchema, RoleSchema } from './roles.schemas.ts';
import type { RoleRow } from './roles.table.ts';

/** The built-in role names, as a literal tuple (the user schema lists them). */
export const ROLES = ['admin', 'plan_admin', 'readonly'] as const;

/** Roles every tenant has; a tenant defines more in its catalogue. */
export const BUILT_IN_ROLES: readonly string[] = ROLES;

/** Letters, digits and `_ . : -`, starting with a letter: names like `editor`, `billing:admin`, `org.viewer`. */
export const ROLE_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

/** A role as the API shows it; `createdAt` is null for built-in roles. */
export type RoleView = Static<typeof RoleSchema>;

export type RoleInput = Static<typeof RoleInputSchema>;

export function builtInRoleView(name: string): RoleView {
  return { name, builtIn: true, description: null, createdAt: null };
}

export function toRoleView(row: RoleRow): RoleView {
  return { name: row.name, builtIn: false, description: row.description, createdAt: row.created_at.toISOString() };
}
