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
