import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, parseOptions } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { AppError } from '../../core/errors.ts';
import type { Hasher } from './credentials.table.ts';

/** OWASP's argon2id baseline, as the issue sets it: 19 MiB, 2 passes, 1 lane. Algorithm 2 is argon2id. */
export const ARGON2ID = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasherOptions {
  /** Hashes computed at once; each holds 19 MiB and a libuv thread. */
  concurrency: number;
  /** Hashes allowed to wait; past that, callers get PASSWORD_HASHING_BUSY instead of a growing backlog. */
  queueSize: number;
}

export interface VerifyResult {
  ok: boolean;
  /** The stored hash is an import or uses other parameters: store a fresh argon2id hash. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  /** @throws AppError PASSWORD_HASHING_BUSY when the queue is full. */
  hash(password: string): Promise<string>;
  /** @throws AppError PASSWORD_HASHING_BUSY when the queue is full. */
  verify(stored: string, hasher: Hasher, password: string): Promise<VerifyResult>;
  /** Spends the time of a real verification, for sign-ins that have no hash to check (unknown users). */
  verifyNothing(password: string): Promise<void>;
  /** Hashes running and waiting now. */
  load(): { running: number; waiting: number };
}

/**
 * Whether an imported hash is well formed for its hasher; the message names what is wrong.
 * scrypt hashes are `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (passlib's format), base64 salt and hash.
 */
export function importedHashError(stored: string, hasher: Hasher): string | null {
  switch (hasher) {
    case 'argon2id':
    case 'argon2':
      try {
        const options = parseOptions(stored);
        if (hasher === 'argon2id' && options.algorithm !== ARGON2ID.algorithm) return 'is not an argon2id hash';
        if (options.memoryCost > 262_144) return 'asks for more than 256 MiB';
        return null;
      } catch {
        return 'is not an argon2 hash in PHC format ($argon2id$v=19$m=...,t=...,p=...$salt$hash)';
      }
    case 'bcrypt':
      return /^\$2[abxy]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/.test(stored) ? null : 'is not a bcrypt hash ($2b$<cost>$...)';
    case 'scrypt': {
      const parsed = parseScrypt(stored);
      if (!parsed) return 'is not an scrypt hash in the form $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>';
      return 128 * 2 ** parsed.ln * parsed.r > 256 * 1024 * 1024 || parsed.p > 16 ? 'asks for more than 256 MiB' : null;
    }
  }
}

interface ScryptHash {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function base64(text: string): Buffer | null {
  // passlib writes "adapted base64": '.' for '+', no padding.
  const normal = text.replaceAll('.', '+');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(normal)) return null;
  return Buffer.from(normal, 'base64');
}

function parseScrypt(stored: string): ScryptHash | null {
  const match = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([^$]+)\$([^$]+)$/.exec(stored);
  if (!match) return null;
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = base64(match[4] ?? '');
  const hash = base64(match[5] ?? '');
  if (!salt || !hash || hash.length < 16 || ln < 1 || r < 1 || p < 1) return null;
  return { ln, r, p, salt, hash };
}

function scryptMatches(stored: string, password: string): Promise<boolean> {
  const parsed = parseScrypt(stored);
  if (!parsed) return Promise.resolve(false);
  const N = 2 ** parsed.ln;
  return new Promise((resolve, reject) => {
    scrypt(password, parsed.salt, parsed.hash.length, { N, r: parsed.r, p: parsed.p, maxmem: 512 * 1024 * 1024 }, (error, derived) => {
      if (error) reject(error);
      else resolve(timingSafeEqual(derived, parsed.hash));
    });
  });
}

function isCurrentArgon2id(stored: string): boolean {
  try {
    const o = parseOptions(stored);
    return (
      o.algorithm === ARGON2ID.algorithm &&
      o.memoryCost === ARGON2ID.memoryCost &&
      o.timeCost === ARGON2ID.timeCost &&
      o.parallelism === ARGON2ID.parallelism
    );
  } catch {
    return false;
  }
}

/**
 * Password hashing off the event loop (argon2 and scrypt run on libuv's thread pool; bcryptjs yields between
 * rounds), behind a bounded queue so a burst of sign-ins cannot pile up unbounded work and memory.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  let running = 0;
  const waiting: (() => void)[] = [];
  let decoy: Promise<string> | null = null;

  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= options.concurrency) {
      if (waiting.length >= options.queueSize) {
        throw new AppError('PASSWORD_HASHING_BUSY', 'Too many passwords are being hashed; retry shortly', { retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, so `running` never dips below what is really running.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  async function check(stored: string, hasher: Hasher, password: string): Promise<boolean> {
    switch (hasher) {
      case 'argon2id':
      case 'argon2':
        return argon2Verify(stored, password).catch(() => false);
      case 'bcrypt':
        return bcrypt.compare(password, stored);
      case 'scrypt':
        return scryptMatches(stored, password);
    }
  }

  return {
    hash: (password) => slot(() => argon2Hash(password, ARGON2ID)),
    async verify(stored, hasher, password) {
      const ok = await slot(() => check(stored, hasher, password));
      return { ok, needsRehash: ok && !(hasher === 'argon2id' && isCurrentArgon2id(stored)) };
    },
    async verifyNothing(password) {
      decoy ??= argon2Hash(randomBytes(32).toString('base64'), ARGON2ID);
      const stored = await decoy;
      await slot(() => check(stored, 'argon2id', password));
    },
    load: () => ({ running, waiting: waiting.length }),
  };
}
