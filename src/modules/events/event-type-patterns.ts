import { invalidField } from '../../core/errors.ts';

/**
 * Event type patterns, as webhook endpoints and `GET /v1/events?types=` take them: an exact type (`user.created`),
 * a prefix wildcard (`user.*`: every type starting `user.`) or `*` (all).
 */
const PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

/** True when `type` is matched by one of `patterns` (an empty list matches nothing). */
export function matchesEventTypes(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/**
 * Checks a list of patterns.
 * @throws AppError VALIDATION_FAILED (or `errorCode`) naming `field` for a pattern that is not one.
 */
export function parseEventTypePatterns(patterns: readonly string[], field: string, errorCode?: 'INVALID_PARAMETER'): string[] {
  for (const p of patterns) {
    if (!PATTERN.test(p)) throw invalidField(field, `"${p}" is not an event type or a wildcard such as user.*`, 'invalid', errorCode);
  }
  return [...new Set(patterns)];
}

/** SQL LIKE patterns for a list of type patterns (`user.*` → `user.%`); null when one of them is `*`. */
export function likePatternsOf(patterns: readonly string[]): { exact: string[]; prefixes: string[] } | null {
  if (patterns.includes('*')) return null;
  const exact = patterns.filter((p) => !p.endsWith('.*'));
  // Types hold only [a-z0-9_.], so `_` is the one LIKE metacharacter to escape.
  const prefixes = patterns.filter((p) => p.endsWith('.*')).map((p) => `${p.slice(0, -1).replaceAll('_', '\\_')}%`);
  return { exact, prefixes };
}
