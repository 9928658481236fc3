import { readFileSync } from 'node:fs';
import type { FieldError } from '../../core/errors.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

let common: Set<string> | null = null;

/** The shipped list, read once on first use: most processes never check a password. */
function commonPasswords(): Set<string> {
  if (!common) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    common = new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')));
  }
  return common;
}

/**
 * Checks a new password against the policy (NIST SP 800-63B): 8 to 1024 characters, no composition rules,
 * not one of the most common passwords (unless the tenant turned that off). Length counts code points, so an
 * emoji is one character.
 * Returns the field error, or null when the password is acceptable.
 */
export function passwordPolicyError(password: string, field = 'password', rejectCommon = true): FieldError | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return { field, code: 'too_short', message: `must be at least ${PASSWORD_MIN_LENGTH} characters` };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return { field, code: 'too_long', message: `must be at most ${PASSWORD_MAX_LENGTH} characters` };
  }
  if (rejectCommon && commonPasswords().has(password.toLowerCase())) {
    return { field, code: 'too_common', message: 'is one of the most common passwords; choose another' };
  }
  return null;
}
