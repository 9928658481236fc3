import type { Kysely } from 'kysely';
import type { Ids } from '../../core/ids.ts';
import { secretMatches, sha256 } from '../../core/secrets.ts';
import type { DB } from '../../db/schema.ts';
import { getSetting, putSettingIfAbsent } from '../tenants/tenants.repository.ts';

const SETTING = 'admin_token_sha256';

export interface AdminAuth {
  /**
   * Makes sure an admin token exists. When none is configured and none is stored, generates one,
   * stores its digest and returns it (the only time it is ever seen); otherwise returns null.
   */
  ensureToken(): Promise<string | null>;
  /** True when the presented token is the admin token. */
  verify(presented: string): Promise<boolean>;
}

export function createAdminAuth(deps: { db: Kysely<DB>; ids: Ids; configuredToken: string | null }): AdminAuth {
  let digest: Buffer | null = deps.configuredToken ? sha256(deps.configuredToken) : null;
  return {
    async ensureToken() {
      if (digest) return null;
      const stored = await getSetting(deps.db, SETTING);
      if (stored) {
        digest = Buffer.from(stored, 'hex');
        return null;
      }
      const token = deps.ids.alphanumeric(48);
      const winner = await putSettingIfAbsent(deps.db, SETTING, sha256(token).toString('hex'));
      digest = Buffer.from(winner, 'hex');
      // Another process may have stored its token first; then ours was never valid.
      return winner === sha256(token).toString('hex') ? token : null;
    },
    async verify(presented) {
      if (!digest) {
        const stored = await getSetting(deps.db, SETTING);
        if (!stored) return false;
        digest = Buffer.from(stored, 'hex');
      }
      return presented.length > 0 && presented.length <= 512 && secretMatches(presented, digest);
    },
  };
}
