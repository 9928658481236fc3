import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** The first schema: tenants, brands, keys, users, attributes, events, idempotency. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE roster_settings (
      key text PRIMARY KEY,
      value text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE tenants (
      id uuid PRIMARY KEY,
      slug text NOT NULL UNIQUE,
      name text NOT NULL,
      hosts text[] NOT NULL DEFAULT '{}',
      codes jsonb NOT NULL DEFAULT '{}',
      default_country text,
      currency text,
      allow_freeform_attributes boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE tenant_hosts (
      host text PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE
    );
    CREATE INDEX tenant_hosts_tenant_idx ON tenant_hosts (tenant_id);

    CREATE TABLE brands (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      slug text NOT NULL,
      name text NOT NULL,
      codes jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      CONSTRAINT brands_tenant_slug_key UNIQUE (tenant_id, slug)
    );

    CREATE TABLE api_keys (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      name text NOT NULL,
      brand_id uuid,
      prefix text NOT NULL,
      secret_hash bytea NOT NULL,
      scopes text[],
      created_at timestamptz NOT NULL,
      last_used_at timestamptz,
      revoked_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, brand_id) REFERENCES brands(tenant_id, id)
    );
    CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix);

    CREATE TABLE users (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      number bigint NOT NULL,
      external_id text,
      email text,
      phone text,
      name text,
      first_name text,
      last_name text,
      birth_date date,
      gender text,
      postal_code text,
      city text,
      region text,
      country text,
      timezone text,
      locale text,
      picture text,
      links jsonb NOT NULL DEFAULT '{}',
      consents jsonb NOT NULL DEFAULT '{}',
      score double precision,
      status text NOT NULL DEFAULT 'active',
      roles text[] NOT NULL DEFAULT '{}',
      sessions_limit integer,
      attributes jsonb NOT NULL DEFAULT '{}',
      search_text text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      deactivated_at timestamptz,
      erased_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE UNIQUE INDEX users_id_key ON users (id);
    CREATE UNIQUE INDEX users_tenant_number_key ON users (tenant_id, number);
    CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email);
    CREATE UNIQUE INDEX users_tenant_phone_key ON users (tenant_id, phone);
    CREATE UNIQUE INDEX users_tenant_external_id_key ON users (tenant_id, external_id);
    CREATE INDEX users_tenant_created_idx ON users (tenant_id, created_at, id);
    CREATE INDEX users_attributes_idx ON users USING gin (attributes jsonb_path_ops);

    CREATE TABLE user_brands (
      tenant_id uuid NOT NULL,
      user_id uuid NOT NULL,
      brand_id uuid NOT NULL,
      joined_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, user_id, brand_id),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE,
      FOREIGN KEY (tenant_id, brand_id) REFERENCES brands(tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX user_brands_brand_idx ON user_brands (tenant_id, brand_id, user_id);

    CREATE TABLE attribute_definitions (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name text NOT NULL,
      type text NOT NULL,
      searchable boolean NOT NULL DEFAULT false,
      is_unique boolean NOT NULL DEFAULT false,
      description text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, name)
    );

    CREATE TABLE unique_attribute_values (
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      value text NOT NULL,
      user_id uuid NOT NULL,
      PRIMARY KEY (tenant_id, name, value),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
    );
    CREATE UNIQUE INDEX unique_attribute_values_user_key ON unique_attribute_values (tenant_id, user_id, name);

    CREATE TABLE events (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      tenant_id uuid NOT NULL,
      type text NOT NULL,
      user_id uuid,
      actor text,
      source text,
      request_id text,
      changes jsonb,
      data jsonb,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX events_tenant_seq_idx ON events (tenant_id, seq);
    CREATE INDEX events_tenant_user_seq_idx ON events (tenant_id, user_id, seq);

    CREATE TABLE idempotency_keys (
      tenant_id uuid NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer,
      response_body jsonb,
      response_headers jsonb,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, key)
    );
    CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
  `,
  );
}
