import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/core/errors.ts';

/**
 * The codes clients may branch on, as published. Adding a code to core/errors.ts is allowed (append it here when it is
 * published); renaming or removing one, or changing its status, breaks clients and fails this test.
 */
const published: { code: string; status: number }[] = JSON.parse(
  readFileSync(new URL('./published-error-codes.json', import.meta.url), 'utf8'),
);

describe('published error codes', () => {
  it('are all still in the catalogue, each with its published status', () => {
    const catalogue = ERRORS as Record<string, { status: number }>;
    const missing = published.filter((p) => !(p.code in catalogue)).map((p) => p.code);
    expect(missing, 'published codes renamed or removed from core/errors.ts').toEqual([]);
    for (const { code, status } of published) expect(catalogue[code]?.status, code).toBe(status);
  });

  it('lists each code once', () => {
    const codes = published.map((p) => p.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
