import type { Selectable } from 'kysely';

/** How a stored password hash was made: ours are argon2id; the others are imports, re-hashed on first sign-in. */
export type Hasher = 'argon2id' | 'argon2' | 'bcrypt' | 'scrypt';

export interface CredentialsTable {
  tenant_id: string;
  user_id: string;
  password_hash: string;
  hasher: Hasher;
  updated_at: Date;
}

export type CredentialRow = Selectable<CredentialsTable>;
