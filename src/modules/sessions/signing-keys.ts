import { exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { Ids } from '../../core/ids.ts';
import type { DB } from '../../db/schema.ts';
import type { SigningKeyRow } from './sessions.table.ts';

export const TOKEN_ALG = 'EdDSA';

export interface Signer {
  kid: string;
  key: CryptoKey;
}

export interface SigningKeys {
  /** The key that signs new tokens; the first one is made on first use. */
  signer(): Promise<Signer>;
  /** The public key for a kid, if it still verifies. Reloads once when the kid is new to this process. */
  verifier(kid: string): Promise<CryptoKey | null>;
  /** Every public key that still verifies, as a JWK set. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** Makes a new signing key; the old ones retire but keep verifying until their last token has expired. */
  rotate(): Promise<{ kid: string; retired: string[] }>;
}

interface Loaded {
  rows: SigningKeyRow[];
  at: number;
}

/** Keys are re-read this often, so a rotation by another process (the CLI) is picked up. */
const RELOAD_MS = 30_000;

/**
 * Token signing keys, stored in the database so every process signs and verifies with the same set.
 * `verifyForMs`: how long a retired key keeps verifying (the access token lifetime plus clock skew).
 */
export function createSigningKeys(deps: { db: Kysely<DB>; clock: Clock; ids: Ids; verifyForMs: number }): SigningKeys {
  const { db, clock, ids } = deps;
  let loaded: Loaded | null = null;
  let loading: Promise<Loaded> | null = null;
  const imported = new Map<string, Promise<CryptoKey>>();
  const importedPrivate = new Map<string, Promise<CryptoKey>>();

  function load(): Promise<Loaded> {
    loading ??= db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute()
      .then((rows) => {
        loaded = { rows, at: clock.now().getTime() };
        return loaded;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  async function current(): Promise<Loaded> {
    if (loaded && clock.now().getTime() - loaded.at < RELOAD_MS) return loaded;
    return load();
  }

  function verifies(row: SigningKeyRow): boolean {
    return row.retired_at === null || row.retired_at.getTime() + deps.verifyForMs > clock.now().getTime();
  }

  async function create(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { crv: 'Ed25519', extractable: true });
    const kid = ids.uuid();
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' };
    await db
      .insertInto('signing_keys')
      .values({
        kid,
        alg: TOKEN_ALG,
        public_jwk: JSON.stringify(jwk),
        private_pkcs8: await exportPKCS8(privateKey),
        created_at: clock.now(),
      })
      .execute();
    return kid;
  }

  return {
    async signer() {
      let active = (await current()).rows.find((row) => row.retired_at === null);
      if (!active) {
        await create();
        active = (await load()).rows.find((row) => row.retired_at === null);
        if (!active) throw new Error('no signing key after creating one');
      }
      const row = active;
      let key = importedPrivate.get(row.kid);
      if (!key) {
        key = importPKCS8(row.private_pkcs8, TOKEN_ALG);
        importedPrivate.set(row.kid, key);
      }
      return { kid: row.kid, key: await key };
    },

    async verifier(kid) {
      const state = await current();
      let row = state.rows.find((r) => r.kid === kid);
      if (!row && kid.length <= 64) {
        // A kid this process has not seen: another process may have just rotated. One primary-key lookup
        // (no more than the session check every token costs) rather than a timed reload that would
        // reject a fresh key for up to the reload interval.
        row = await db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
        if (row) state.rows = [row, ...state.rows.filter((r) => r.kid !== kid)];
      }
      if (!row || !verifies(row)) return null;
      let key = imported.get(kid);
      if (!key) {
        key = importJWK(row.public_jwk, TOKEN_ALG) as Promise<CryptoKey>;
        imported.set(kid, key);
      }
      return key;
    },

    async jwks() {
      const { rows } = await current();
      return { keys: rows.filter(verifies).map((row) => row.public_jwk) };
    },

    async rotate() {
      const previous = (await load()).rows.filter((row) => row.retired_at === null).map((row) => row.kid);
      const kid = await create();
      if (previous.length > 0) {
        await db
          .updateTable('signing_keys')
          .set({ retired_at: clock.now() })
          .where('kid', 'in', previous)
          .where('retired_at', 'is', null)
          .execute();
      }
      await load();
      return { kid, retired: previous };
    },
  };
}
