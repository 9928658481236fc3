import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** Groups of users with the roles every member holds while a member (issue 17). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE groups (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      display_name text NOT NULL,
      external_id text,
      roles text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE UNIQUE INDEX groups_tenant_display_name_key ON groups (tenant_id, lower(display_name));
    CREATE UNIQUE INDEX groups_tenant_external_id_key ON groups (tenant_id, external_id);
    CREATE INDEX groups_tenant_created_idx ON groups (tenant_id, created_at, id);

    CREATE TABLE group_members (
      tenant_id uuid NOT NULL,
      group_id uuid NOT NULL,
      user_id uuid NOT NULL,
      joined_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, group_id, user_id),
      FOREIGN KEY (tenant_id, group_id) REFERENCES groups(tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX group_members_group_joined_idx ON group_members (tenant_id, group_id, joined_at, user_id);
    CREATE INDEX group_members_user_idx ON group_members (tenant_id, user_id, group_id);
  `,
  );
}
