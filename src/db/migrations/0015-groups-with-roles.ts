import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** Which of a tenant's groups give roles: a list page asks once per statement whether any does (groupRolesOfUserColumn). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, `CREATE INDEX groups_tenant_with_roles_idx ON groups (tenant_id) WHERE roles <> '{}';`);
}
