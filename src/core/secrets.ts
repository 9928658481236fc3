import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 digest of a secret, as stored. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Hex SHA-256, for request fingerprints. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored digest in constant time. */
export function secretMatches(presented: string, storedDigest: Buffer): boolean {
  const digest = sha256(presented);
  return digest.length === storedDigest.length && timingSafeEqual(digest, storedDigest);
}
