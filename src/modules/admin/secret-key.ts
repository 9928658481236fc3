import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createSecretBox, type SecretBox } from '../../core/secret-box.ts';
import type { DB } from '../../db/schema.ts';
import { getSetting, putSettingIfAbsent } from '../tenants/tenants.repository.ts';

/** Where a generated key is kept: the `roster_settings` table, under this key. */
export const GENERATED_SECRET_KEY_SETTING = 'generated_secret_key';

export interface ResolvedSecretKey {
  /** The key that seals from now on. */
  key: Buffer;
  /** `environment`: ROSTER_SECRET_KEY; `generated`: made and stored at this start; `stored`: made at an earlier start. */
  origin: 'environment' | 'generated' | 'stored';
  /** Keys that still open what they sealed before (a generated key, once ROSTER_SECRET_KEY is set). */
  previous: Buffer[];
}

/**
 * The key that seals provider credentials and Naviga's encrypted ids. ROSTER_SECRET_KEY when set; otherwise one
 * generated at first start and kept in the database (like the admin token), so every process and every restart
 * uses the same key and what was sealed keeps opening. A generated key lives next to what it seals, so it guards
 * nothing against a database dump: production sets its own.
 * @throws when the database cannot be read or written.
 */
export async function resolveSecretKey(db: Kysely<DB>, configured: Buffer | null): Promise<ResolvedSecretKey> {
  if (configured) {
    const stored = await getSetting(db, GENERATED_SECRET_KEY_SETTING);
    const previous = stored ? [Buffer.from(stored, 'base64')].filter((key) => !key.equals(configured)) : [];
    return { key: configured, origin: 'environment', previous };
  }
  const candidate = randomBytes(32).toString('base64');
  // Two processes starting at once both try; the first stored wins and the other adopts it.
  const winner = await putSettingIfAbsent(db, GENERATED_SECRET_KEY_SETTING, candidate);
  return { key: Buffer.from(winner, 'base64'), origin: winner === candidate ? 'generated' : 'stored', previous: [] };
}

/**
 * The sealing key of a process, resolved once the database can be read (at start-up, after migrations): a server
 * listens before its database is reachable, so the key cannot be read when the registry is built.
 */
export interface SecretKeys {
  /** Reads or generates the key. @throws when the database cannot be read or written. */
  resolve(db: Kysely<DB>): Promise<ResolvedSecretKey>;
  /** Where the key came from; null until resolved. */
  readonly origin: ResolvedSecretKey['origin'] | null;
  /** Seals with the key and opens with it or an earlier one. @throws Error when used before `resolve`. */
  readonly box: SecretBox;
}

/** A holder for the key that ROSTER_SECRET_KEY configures, or that is generated and kept in the database. */
export function createSecretKeys(configured: Buffer | null): SecretKeys {
  let resolved: ResolvedSecretKey | null = null;
  let current: SecretBox | null = null;
  const opened = (): SecretBox => {
    // The start-up gate answers 503 until the database is ready, so no request gets here before `resolve`.
    if (!current) throw new Error('The secret key is not resolved yet');
    return current;
  };
  return {
    async resolve(db) {
      resolved = await resolveSecretKey(db, configured);
      current = createSecretBox(resolved.key, resolved.previous);
      return resolved;
    },
    get origin() {
      return resolved?.origin ?? null;
    },
    box: {
      seal: (plaintext, context) => opened().seal(plaintext, context),
      open: (sealed, context) => opened().open(sealed, context),
    },
  };
}
