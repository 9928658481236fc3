import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { validationFailed } from '../../core/error-helpers.ts';
import type { DB } from '../../db/schema.ts';
import type { EventsService } from '../events/events.service.ts';
import { upsertCredential } from './credentials.repository.ts';
import type { Hasher } from './credentials.table.ts';
import { importedHashError, type PasswordHasher } from './password-hasher.ts';
import { passwordPolicyError } from './password-policy.ts';

export const IMPORT_HASHERS = ['argon2id', 'argon2', 'bcrypt', 'scrypt'] as const;

/** The credential fields a user write may carry next to the profile. */
export interface PasswordInput {
  password?: string;
  passwordHash?: string;
  passwordHasher?: Hasher;
}

/** A checked and hashed password, ready to store inside the user's write transaction. */
export interface PreparedCredential {
  hash: string;
  hasher: Hasher;
  imported: boolean;
}

export interface CredentialsService {
  /**
   * Checks a new password against the policy and hashes it, or checks an imported hash. Runs before any
   * transaction: hashing takes tens of milliseconds and must not hold a row lock.
   * @throws AppError VALIDATION_FAILED naming `password`, `passwordHash` or `passwordHasher`; PASSWORD_HASHING_BUSY
   */
  prepare(input: PasswordInput, policy?: { rejectCommon: boolean }): Promise<PreparedCredential | null>;
  /** Stores a prepared credential and writes `credential.changed`, inside the caller's transaction. */
  store(trx: Kysely<DB>, ctx: ActorContext, userId: string, credential: PreparedCredential): Promise<void>;
  hasher: PasswordHasher;
}

/** Splits the credential fields off a user write, so the profile planner and the event log never see them. */
export function splitPassword<T extends PasswordInput>(input: T): { password: PasswordInput; profile: Omit<T, keyof PasswordInput> } {
  const { password, passwordHash, passwordHasher, ...profile } = input;
  return { password: { password, passwordHash, passwordHasher }, profile };
}

/** True when the write carries a password or a hash. */
export function hasPassword(input: PasswordInput): boolean {
  return input.password !== undefined || input.passwordHash !== undefined || input.passwordHasher !== undefined;
}

export function createCredentialsService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  events: EventsService;
  hasher: PasswordHasher;
}): CredentialsService {
  const { clock, events, hasher } = deps;
  return {
    hasher,
    async prepare(input, policy = { rejectCommon: true }) {
      if (!hasPassword(input)) return null;
      if (input.password !== undefined) {
        if (input.passwordHash !== undefined || input.passwordHasher !== undefined) {
          throw validationFailed([{ field: 'passwordHash', code: 'conflict', message: 'send either password or passwordHash, not both' }]);
        }
        const error = passwordPolicyError(input.password, 'password', policy.rejectCommon);
        if (error) throw validationFailed([error]);
        return { hash: await hasher.hash(input.password), hasher: 'argon2id', imported: false };
      }
      if (input.passwordHash === undefined) {
        throw validationFailed([{ field: 'passwordHash', code: 'required', message: 'is required with passwordHasher' }]);
      }
      if (input.passwordHasher === undefined) {
        throw validationFailed([
          { field: 'passwordHasher', code: 'required', message: `is required with passwordHash: one of ${IMPORT_HASHERS.join(', ')}` },
        ]);
      }
      const problem = importedHashError(input.passwordHash, input.passwordHasher);
      if (problem) throw validationFailed([{ field: 'passwordHash', code: 'invalid_hash', message: problem }]);
      return { hash: input.passwordHash, hasher: input.passwordHasher, imported: true };
    },
    async store(trx, ctx, userId, credential) {
      await upsertCredential(trx, ctx.tenantId, userId, credential.hash, credential.hasher, clock.now());
      await events.record(trx, ctx, {
        type: 'credential.changed',
        userId,
        data: { kind: 'password', hasher: credential.hasher, imported: credential.imported },
      });
    },
  };
}
