import { normalizeIP } from '@fastify/rate-limit';

/**
 * How one kind of key (identifier or IP) is throttled. After `freeFailures` failures within a window, each
 * further failure blocks the key for 1 s, 2 s, 4 s… doubling up to `maxLockSeconds` (the lock).
 */
export interface ThrottlePolicy {
  /** Failures within the window that cost nothing. */
  freeFailures: number;
  /** Failures are forgotten this long after the first one of a window. */
  windowSeconds: number;
  /** The cap of the growing delay: the longest a single block lasts. */
  maxLockSeconds: number;
}

/** The counter key of a sign-in identifier (`email:…`, `phone:…`, `externalId:…`). */
export function identifierKey(identifier: string): string {
  return `id:${identifier}`;
}

/**
 * The counter key of a client address. IPv6 clients are counted per /64, the block one subscriber usually
 * holds, so hopping between its addresses does not reset the count; IPv4-mapped addresses count as IPv4.
 */
export function ipKey(ip: string): string {
  return `ip:${normalizeIP(ip, 64)}`;
}

/** The normalized sign-in identifiers a user can be reached by, as the sign-in path spells them. */
export function userSigninIdentifiers(user: { email: string | null; phone: string | null; externalId: string | null }): string[] {
  const identifiers: string[] = [];
  if (user.email) identifiers.push(`email:${user.email}`);
  if (user.phone) identifiers.push(`phone:${user.phone}`);
  if (user.externalId) identifiers.push(`externalId:${user.externalId}`);
  return identifiers;
}
