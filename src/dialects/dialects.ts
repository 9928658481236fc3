/** Every vendor dialect Roster can serve, by the name `ROSTER_DIALECTS` uses. */
export const DIALECT_NAMES = ['tagmango', 'thanx', 'publicala', 'usercom', 'naviga'] as const;

export type DialectName = (typeof DIALECT_NAMES)[number];

/**
 * Parses `ROSTER_DIALECTS` (comma-separated names; `none` for none). Unset means all of them.
 * @throws Error naming an unknown dialect.
 */
export function parseDialects(raw: string | undefined): DialectName[] {
  const text = raw?.trim();
  if (!text) return [...DIALECT_NAMES];
  if (text === 'none') return [];
  const names = [
    ...new Set(
      text
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  for (const name of names) {
    if (!(DIALECT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`ROSTER_DIALECTS: unknown dialect ${name}; known: ${DIALECT_NAMES.join(', ')}, or none`);
    }
  }
  return names as DialectName[];
}
