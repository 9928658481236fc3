import type { Kysely } from 'kysely';
import type { SigninThrottleConfig } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { DB } from '../../db/schema.ts';
import { deleteSigninFailures, findSigninBlock, pruneSigninFailures, recordSigninFailure } from './signin-throttle.repository.ts';
import { identifierKey, ipKey, type ThrottlePolicy } from './signin-throttle.ts';

/**
 * Brute-force protection of sign-in, per (tenant, identifier) and per (tenant, IP). `identifier` is normalized
 * by the caller (`email:<lowercased>`, `phone:<E.164>`, `externalId:<value>`); `ip` is the client address.
 */
export interface SigninThrottle {
  /** Before checking a password. @throws AppError TOO_MANY_ATTEMPTS (429, details.retryAfterSeconds) when the identifier or the IP is in a delay or lock. */
  assertAllowed(tenantId: string, identifier: string, ip: string): Promise<void>;
  /** After a failed sign-in (wrong password, unknown user, deactivated user alike). */
  recordFailure(tenantId: string, identifier: string, ip: string): Promise<void>;
  /** After a successful sign-in: clears the identifier's counter (not the IP's). */
  recordSuccess(tenantId: string, identifier: string, ip: string): Promise<void>;
  /** Lifts locks and counters of these identifiers (admin unlock, password reset). */
  clear(tenantId: string, identifiers: string[]): Promise<void>;
}

/** Counters of expired windows are pruned from a tenant once every this many failures (per process). */
const PRUNE_EVERY = 100;

/**
 * The database-backed throttle: counters live in `signin_failures`, so every process (and PGlite or
 * PostgreSQL alike) sees the same counts. A refused attempt is not counted and does not extend a block:
 * callers record a failure only for a password they actually checked.
 */
export function createSigninThrottle(deps: { db: Kysely<DB>; clock: Clock; config: SigninThrottleConfig }): SigninThrottle {
  const { db, clock, config } = deps;
  const identifierPolicy: ThrottlePolicy = {
    freeFailures: config.identifierFreeFailures,
    windowSeconds: config.identifierWindowSeconds,
    maxLockSeconds: config.maxLockSeconds,
  };
  const ipPolicy: ThrottlePolicy = {
    freeFailures: config.ipFreeFailures,
    windowSeconds: config.ipWindowSeconds,
    maxLockSeconds: config.maxLockSeconds,
  };
  const longestWindowMs = Math.max(config.identifierWindowSeconds, config.ipWindowSeconds) * 1000;
  let failuresSincePrune = 0;

  return {
    async assertAllowed(tenantId, identifier, ip) {
      const now = clock.now();
      const until = await findSigninBlock(db, tenantId, [identifierKey(identifier), ipKey(ip)], now);
      if (!until) return;
      const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
      throw new AppError('TOO_MANY_ATTEMPTS', `Too many failed sign-in attempts; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
    },

    async recordFailure(tenantId, identifier, ip) {
      const now = clock.now();
      await Promise.all([
        recordSigninFailure(db, tenantId, identifierKey(identifier), now, identifierPolicy),
        recordSigninFailure(db, tenantId, ipKey(ip), now, ipPolicy),
      ]);
      if (++failuresSincePrune >= PRUNE_EVERY) {
        failuresSincePrune = 0;
        await pruneSigninFailures(db, tenantId, new Date(now.getTime() - longestWindowMs), now);
      }
    },

    async recordSuccess(tenantId, identifier) {
      await deleteSigninFailures(db, tenantId, [identifierKey(identifier)]);
    },

    async clear(tenantId, identifiers) {
      await deleteSigninFailures(db, tenantId, identifiers.map(identifierKey));
    },
  };
}
