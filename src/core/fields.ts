import type { FieldError } from './errors.ts';

/** Trimmed text, or null when it is null or blank; a required field pushes an error when blank. */
export function trimmedText(value: string | null, field: string, errors: FieldError[], required = false): string | null {
  const trimmed = value?.trim() || null;
  if (required && trimmed === null) errors.push({ field, code: 'required', message: 'must not be empty' });
  return trimmed;
}

/** The `{before, after}` change of every key of `after` whose value differs from `before`'s. */
export function changedValues(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(value ?? null))
      changes[key] = { before: before[key] ?? null, after: value ?? null };
  }
  return changes;
}
