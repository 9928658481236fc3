import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** The directory: companies and their members, the plan catalogue and assignments, tenant-defined roles. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE companies (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      external_id text,
      name text NOT NULL,
      domain text,
      attributes jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE UNIQUE INDEX companies_tenant_external_id_key ON companies (tenant_id, external_id);
    CREATE INDEX companies_tenant_created_idx ON companies (tenant_id, created_at, id);

    CREATE TABLE company_members (
      tenant_id uuid NOT NULL,
      company_id uuid NOT NULL,
      user_id uuid NOT NULL,
      role text,
      title text,
      joined_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, company_id, user_id),
      FOREIGN KEY (tenant_id, company_id) REFERENCES companies(tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX company_members_company_joined_idx ON company_members (tenant_id, company_id, joined_at, user_id);
    CREATE INDEX company_members_user_idx ON company_members (tenant_id, user_id, company_id);

    CREATE TABLE plans (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      number bigint NOT NULL,
      external_id text,
      name text NOT NULL,
      default_duration text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE UNIQUE INDEX plans_tenant_number_key ON plans (tenant_id, number);
    CREATE UNIQUE INDEX plans_tenant_external_id_key ON plans (tenant_id, external_id);
    CREATE INDEX plans_tenant_created_idx ON plans (tenant_id, created_at, id);

    CREATE TABLE plan_numbers (
      tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
      last_number bigint NOT NULL
    );

    CREATE TABLE user_plans (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      user_id uuid NOT NULL,
      plan_id uuid NOT NULL,
      valid_from timestamptz NOT NULL,
      valid_to timestamptz,
      ended_at timestamptz,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, plan_id) REFERENCES plans(tenant_id, id),
      CONSTRAINT user_plans_valid_range_check CHECK (valid_to IS NULL OR valid_to > valid_from)
    );
    CREATE INDEX user_plans_user_idx ON user_plans (tenant_id, user_id, valid_from);
    CREATE INDEX user_plans_plan_idx ON user_plans (tenant_id, plan_id, user_id);

    CREATE TABLE roles (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name text NOT NULL,
      description text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, name)
    );
  `,
  );
}
