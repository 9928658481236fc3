import type { JWK } from 'jose';
import type { ColumnType, Selectable } from 'kysely';

export type SessionMethod = 'password' | 'passwordless';

export interface SessionsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  brand_id: string | null;
  method: SessionMethod;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  refreshed_at: Date;
  /** Absolute end of the session: no refresh extends it. */
  expires_at: Date;
  /** End of the session if it is not refreshed before then. */
  idle_expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  /** SHA-256 of the token: the token itself is never stored. */
  token_hash: Buffer;
  tenant_id: string;
  session_id: string;
  created_at: Date;
  /** Set when the token was exchanged; presenting it again is reuse. */
  used_at: Date | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: ColumnType<JWK, string, string>;
  private_pkcs8: string;
  created_at: Date;
  /** When a newer key took over signing; the key keeps verifying until its last token expires. */
  retired_at: Date | null;
}

export type SessionRow = Selectable<SessionsTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
