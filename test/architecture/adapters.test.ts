/**
 * Adapters map wire formats and call one service function: no file under src/dialects/ and no *.routes.ts
 * may import the database layer or a repository, or reach for `registry.db` (or any `.db`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The adapter files: every dialect file and every route plugin. */
function adapterFiles(): string[] {
  const all = filesUnder(SRC);
  return all.filter((path) => relative(SRC, path).startsWith('dialects/') || path.endsWith('.routes.ts'));
}

const IMPORT = /\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What a source file breaks of the adapter rule, one line per breach. */
function adapterBreaches(path: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (/(^|\/)db\//.test(spec)) out.push(`${path} imports ${spec} (the database layer)`);
    if (/\.repository(\.ts)?$/.test(spec)) out.push(`${path} imports ${spec} (a repository)`);
  }
  // Strip comments so that prose about `registry.db` does not count; code that reads `.db` does.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  if (/\.db\b/.test(code)) out.push(`${path} reads .db`);
  if (/\{[^}]*\bdb\b[^}]*\}\s*=\s*registry\b/.test(code)) out.push(`${path} takes db out of the registry`);
  return out;
}

describe('adapters hold no database access', () => {
  it('finds the adapter files (the dialects and every route plugin)', () => {
    const files = adapterFiles().map((path) => relative(SRC, path));
    expect(files.some((path) => path.startsWith('dialects/publicala/'))).toBe(true);
    expect(files).toContain('modules/users/users.routes.ts');
    expect(files).toContain('modules/admin/admin.routes.ts');
  });

  it('no dialect file or *.routes.ts imports db/ or a repository, or uses registry.db', () => {
    const breaches = adapterFiles().flatMap((path) => adapterBreaches(relative(SRC, path), readFileSync(path, 'utf8')));
    expect(breaches).toEqual([]);
  });

  it('the check catches each kind of breach', () => {
    expect(adapterBreaches('x.routes.ts', "import { inTransaction } from '../../db/transaction.ts';")).toHaveLength(1);
    expect(adapterBreaches('x.routes.ts', "import { findUserById } from '../users/users.repository.ts';")).toHaveLength(1);
    expect(adapterBreaches('x.routes.ts', 'await registry.events.record(registry.db, ctx, event);')).toHaveLength(1);
    expect(adapterBreaches('x.routes.ts', 'const { db, users } = registry;')).toHaveLength(1);
    expect(adapterBreaches('x.routes.ts', '// registry.db is not for adapters\nconst a = 1;')).toEqual([]);
  });
});
