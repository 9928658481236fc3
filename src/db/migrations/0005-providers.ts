import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** Upstream identity providers (one per tenant, and one per brand at most) and the users' links to them. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE identity_providers (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      name text NOT NULL,
      brand_id uuid,
      type text NOT NULL,
      endpoint text NOT NULL,
      settings jsonb NOT NULL DEFAULT '{}',
      credentials text NOT NULL,
      timeout_ms integer NOT NULL,
      cache_ttl_seconds integer NOT NULL,
      field_mapping jsonb NOT NULL DEFAULT '{}',
      jit_provisioning boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, brand_id) REFERENCES brands(tenant_id, id) ON DELETE CASCADE,
      CONSTRAINT identity_providers_type_check CHECK (type IN ('auth0', 'scim', 'http'))
    );
    CREATE UNIQUE INDEX identity_providers_tenant_name_key ON identity_providers (tenant_id, name);
    CREATE UNIQUE INDEX identity_providers_tenant_scope_key
      ON identity_providers (tenant_id, (coalesce(brand_id, '00000000-0000-0000-0000-000000000000'::uuid)));

    CREATE TABLE user_identities (
      tenant_id uuid NOT NULL,
      provider_id uuid NOT NULL,
      subject text NOT NULL,
      user_id uuid NOT NULL,
      linked_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, provider_id, subject),
      FOREIGN KEY (tenant_id, provider_id) REFERENCES identity_providers(tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
    );
    CREATE UNIQUE INDEX user_identities_user_provider_key ON user_identities (tenant_id, user_id, provider_id);
    `,
  );
}
