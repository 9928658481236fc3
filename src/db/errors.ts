import type { AppError } from '../core/errors.ts';

/** The name of the unique constraint a database error violated, if it is a unique violation. */
export function uniqueViolation(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code !== '23505') return null;
  if (e.constraint) return e.constraint;
  // PGlite reports the constraint only in the message.
  const match = /unique constraint "([^"]+)"/.exec(e.message ?? '');
  return match ? match[1] : 'unknown';
}

/** For each unique constraint a repository's writes may violate, the catalogue error it means to the caller. */
export type UniqueRules = Readonly<Record<string, () => AppError>>;

/**
 * The catalogue error a unique violation of one of `rules`' constraints means; any other error unchanged. Repositories
 * call this (through withUniqueRules) so services see `*_TAKEN` / `*_EXISTS` codes, never SQLSTATE 23505.
 */
export function translateUniqueViolation(error: unknown, rules: UniqueRules): unknown {
  const constraint = uniqueViolation(error);
  const rule = constraint === null ? undefined : rules[constraint];
  return rule ? rule() : error;
}

/**
 * Runs one repository statement, translating a unique violation of a known constraint into its catalogue code.
 * @throws AppError the rule's code for a known constraint; any other database error unchanged.
 */
export async function withUniqueRules<T>(rules: UniqueRules, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateUniqueViolation(error, rules);
  }
}
