import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
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
