/**
 * The README's configuration table and the code agree: every `ROSTER_*` variable the code reads (src/config.ts, the
 * only reader of process.env, and anywhere else in src/ or bin/) has a row, and every row names a variable that is
 * read. The non-prefixed variables src/config.ts reads (PORT, HOST, ...) are held to the same rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const ROOT = new URL('..', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every ROSTER_* name in the code, and every `env.NAME` / `env['NAME']` that src/config.ts reads. */
function variablesInCode(): Set<string> {
  const names = new Set<string>();
  for (const file of [...filesUnder(join(ROOT, 'src')), ...filesUnder(join(ROOT, 'bin'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bROSTER_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(match[0]);
  }
  const config = readFileSync(join(ROOT, 'src/config.ts'), 'utf8');
  for (const match of config.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) names.add(match[1] ?? match[2]);
  // Read through a helper: intVar(env, 'PORT', ...), onOffVar(env, 'NAME', ...).
  for (const match of config.matchAll(/\w+Var\(env, '([A-Z][A-Z0-9_]*)'/g)) names.add(match[1]);
  return names;
}

/** The first column of the table under "## Configuration". */
function variablesInReadme(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Configuration');
  expect(start, 'README has a Configuration section').toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line);
    if (match) names.add(match[1]);
  }
  return names;
}

describe('README configuration table', () => {
  it('lists every variable the code reads, and only those', () => {
    const code = variablesInCode();
    const readme = variablesInReadme();
    expect(code.size).toBeGreaterThan(20);
    expect([...code].filter((name) => !readme.has(name)).sort(), 'read by the code but missing from the README').toEqual([]);
    expect([...readme].filter((name) => !code.has(name)).sort(), 'in the README but read nowhere').toEqual([]);
  });

  it('each listed ROSTER_* variable really changes the configuration (it is not only mentioned)', () => {
    const base = JSON.stringify(loadConfig({}));
    const samples: Record<string, string> = {
      ROSTER_DB_POOL_SIZE: '7',
      ROSTER_DB_SCHEMA: 'roster_sample',
      ROSTER_DB_PREPARED_STATEMENTS: 'off',
      ROSTER_DATA_DIR: '/tmp/roster-sample',
      ROSTER_ADMIN_TOKEN: 'sample-admin-token-0123456789',
      ROSTER_PUBLIC_URL: 'https://users.example.com',
      ROSTER_API_KEY_CACHE_SECONDS: '9',
      ROSTER_DIALECTS: 'thanx',
      ROSTER_TOKEN_ISSUER: 'sample',
      ROSTER_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
      ROSTER_ALLOW_PRIVATE_UPSTREAMS: 'on',
    };
    for (const [name, value] of Object.entries(samples)) {
      expect(JSON.stringify(loadConfig({ [name]: value })), name).not.toBe(base);
    }
  });
});
