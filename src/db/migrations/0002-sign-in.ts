import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/** Sign-in: password credentials, sessions with rotating refresh tokens, token signing keys, tenant session policy. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE credentials (
      tenant_id uuid NOT NULL,
      user_id uuid NOT NULL,
      password_hash text NOT NULL,
      hasher text NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, user_id),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
    );

    CREATE TABLE sessions (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      user_id uuid NOT NULL,
      brand_id uuid,
      method text NOT NULL,
      ip text,
      user_agent text,
      created_at timestamptz NOT NULL,
      refreshed_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      idle_expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      revoked_reason text,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX sessions_user_live_idx ON sessions (tenant_id, user_id, created_at) WHERE revoked_at IS NULL;

    CREATE TABLE refresh_tokens (
      token_hash bytea PRIMARY KEY,
      tenant_id uuid NOT NULL,
      session_id uuid NOT NULL,
      created_at timestamptz NOT NULL,
      used_at timestamptz,
      FOREIGN KEY (tenant_id, session_id) REFERENCES sessions(tenant_id, id) ON DELETE CASCADE
    );
    CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (tenant_id, session_id);

    CREATE TABLE signing_keys (
      kid text PRIMARY KEY,
      alg text NOT NULL,
      public_jwk jsonb NOT NULL,
      private_pkcs8 text NOT NULL,
      created_at timestamptz NOT NULL,
      retired_at timestamptz
    );

    ALTER TABLE tenants ADD COLUMN sessions_limit integer;
    ALTER TABLE tenants ADD COLUMN sessions_policy text NOT NULL DEFAULT 'evict_oldest';
    ALTER TABLE tenants ADD COLUMN reject_common_passwords boolean NOT NULL DEFAULT true
  `,
  );
}
