import { randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

/** Identifier and secret source, injected so tests can make them predictable. */
export interface Ids {
  /** A new UUIDv7 (time-ordered). */
  uuid(): string;
  /** `length` characters of [A-Za-z0-9] from a CSPRNG, without modulo bias. */
  alphanumeric(length: number): string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 62 * 4 = 248: rejecting bytes >= 248 keeps every character equally likely.
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const randomIds: Ids = { uuid: () => uuidv7(), alphanumeric: randomAlphanumeric };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when the text has the shape of a UUID (an id column can be compared with it without a cast error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
