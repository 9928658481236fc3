import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/core/errors.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** The rows of the "Codes" table: `| \`CODE\` | status | meaning |`. */
function documentedCodes(): Map<string, { status: number; meaning: string }> {
  const section = doc.slice(doc.indexOf('## Codes'), doc.indexOf('\n## ', doc.indexOf('## Codes') + 1));
  const rows = new Map<string, { status: number; meaning: string }>();
  for (const line of section.split('\n')) {
    const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(\d{3})\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (!match) continue;
    expect(rows.has(match[1]), `${match[1]} is listed twice`).toBe(false);
    rows.set(match[1], { status: Number(match[2]), meaning: match[3] });
  }
  return rows;
}

describe('docs/errors.md', () => {
  it('lists exactly the codes of the catalogue', () => {
    const rows = documentedCodes();
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('gives each code its catalogue status and a meaning', () => {
    const rows = documentedCodes();
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(rows.get(code)?.status, code).toBe(entry.status);
      expect(rows.get(code)?.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it('uses only well-formed codes and statuses in the catalogue', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.title.length).toBeGreaterThan(0);
    }
  });
});
