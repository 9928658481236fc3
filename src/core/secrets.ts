import crypto, { createHash, timingSafeEqual } from 'node:crypto';

// One-shot hashing (Node 20.12+) costs about half a Hash object; these run on every request.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** SHA-256 digest of a secret, as stored. */
export function sha256(value: string): Buffer {
  return oneShot ? oneShot('sha256', value, 'buffer') : createHash('sha256').update(value, 'utf8').digest();
}

/** Hex SHA-256, for request fingerprints and gravatar URLs. */
export function sha256Hex(value: string): string {
  return oneShot ? oneShot('sha256', value) : createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored digest in constant time. */
export function secretMatches(presented: string, storedDigest: Buffer): boolean {
  const digest = sha256(presented);
  return digest.length === storedDigest.length && timingSafeEqual(digest, storedDigest);
}
