import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/** Encrypts small secrets at rest (provider credentials) with AES-256-GCM. */
export interface SecretBox {
  /** Seals a UTF-8 text; `context` is bound as associated data and must be given again to open it. */
  seal(plaintext: string, context: string): string;
  /**
   * Opens a sealed text.
   * @throws Error when the text was sealed with another key or context, or was altered.
   */
  open(sealed: string, context: string): string;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// A fixed salt: the derived key must be the same in every process given the same passphrase. A passphrase of at
// least 32 characters carries the entropy; scrypt only makes guessing it expensive.
const PASSPHRASE_SALT = 'roster:ROSTER_SECRET_KEY:v1';

/**
 * The 32-byte key from ROSTER_SECRET_KEY: 32 bytes as base64 (44 characters) or hex (64 characters), or a
 * passphrase of at least 32 characters stretched with scrypt.
 * @throws Error naming the variable (never its value) when it is none of these.
 */
export function parseSecretKey(raw: string): Buffer {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    if (key.length === 32) return key;
  }
  if (value.length >= 32) return scryptSync(value, PASSPHRASE_SALT, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  throw new Error('ROSTER_SECRET_KEY must be 32 bytes as base64 or hex, or a passphrase of at least 32 characters');
}

/**
 * A box sealing under `key`. `previousKeys` only open: what they sealed before a key change stays readable.
 * @throws Error when a key is not 32 bytes.
 */
export function createSecretBox(key: Buffer, previousKeys: readonly Buffer[] = []): SecretBox {
  if (key.length !== 32 || previousKeys.some((k) => k.length !== 32)) throw new Error('The secret key must be 32 bytes');
  const openers = [key, ...previousKeys];
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, context) {
      const [version, payload] = sealed.split('.', 2);
      if (version !== VERSION || !payload) throw new Error('Unknown sealed secret format');
      const bytes = Buffer.from(payload, 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('Sealed secret is truncated');
      let failure: unknown;
      for (const candidate of openers) {
        try {
          return openWith(candidate, bytes, context);
        } catch (error) {
          failure = error;
        }
      }
      throw failure;
    },
  };
}

function openWith(key: Buffer, bytes: Buffer, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
