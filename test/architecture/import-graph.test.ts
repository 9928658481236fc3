import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Every TypeScript file under a folder, as absolute paths. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// A statement that starts a line with `import` or `export` and names a module with `from` (type-only included),
// a side-effect import, or a dynamic `import('…')`. Comments never start a line with these keywords here.
const STATIC = /^[ \t]*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative module specifiers a file imports or re-exports. */
function importSpecifiers(text: string): string[] {
  const found: string[] = [];
  for (const pattern of [STATIC, BARE, DYNAMIC]) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found.filter((s) => s.startsWith('.'));
}

/**
 * The node a file belongs to: a domain module (`modules/users`) or a dialect (`dialects/naviga`) with its
 * subfolders, or a top-level folder (`core`, `db`, `http`, `use-cases`…) with its subfolders. The files at the
 * root of src/ and of src/dialects/ (entry, config, composition root, app, the dialect list) are each their own
 * node: they sit at the top of the graph and belong to no package.
 */
function nodeOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  const unit = parts[0] === 'modules' || parts[0] === 'dialects' ? parts.slice(0, Math.min(2, parts.length)).join('/') : parts[0];
  // A domain's /v1 routes are an adapter (DESIGN.md §2.1): they sit above the composition root whose services they
  // call, so they are a node of their own. Its TypeBox schemas stay with the domain: its types are derived from
  // them (Static<>), and they import nothing but typebox, core/ and the domain's own rules.
  const adapter = parts[0] === 'modules' && /\.routes\.ts$/.test(file);
  return adapter ? `${unit} (http)` : unit;
}

/**
 * The one upward edge the layout asks for: `db/schema.ts` gathers, type-only, the Kysely table types that each
 * module keeps in its `<domain>.table.ts` (DESIGN.md, suggested layout), because Kysely wants one `DB` interface.
 * It is no dependency of the database code on a domain's logic; every other edge from db/ to a module fails.
 */
function isSchemaAggregate(file: string, target: string): boolean {
  return file === 'src/db/schema.ts' && target.endsWith('.table.ts');
}

interface Edge {
  from: string;
  to: string;
  file: string;
  target: string;
}

function folderEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(SRC)) continue;
      const from = nodeOf(file);
      const to = nodeOf(target);
      const edge = { from, to, file: relative(ROOT, file), target: relative(ROOT, target) };
      if (from !== to && !isSchemaAggregate(edge.file, edge.target)) edges.push(edge);
    }
  }
  return edges;
}

/** Strongly connected components with more than one node (Tarjan): each is at least one loop. */
function loops(nodes: string[], next: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of nodes) if (!indices.has(v)) visit(v);
  return found;
}

/** One shortest loop through `start` inside a component, as a list of nodes ending where it began. */
function shortestLoop(start: string, members: Set<string>, next: Map<string, Set<string>>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as string;
    for (const w of next.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        for (let at = v; at !== start; path.unshift(at)) at = previous.get(at) as string;
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

describe('the import graph of src/', () => {
  it('reads import, type-only import, export-from and dynamic import specifiers', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type {\n  B,\n  C,\n} from '../b/b.ts';",
      "export { d } from './d.ts';",
      "export type * from './e.ts';",
      "import './f.ts';",
      'const g = await import("./g.ts");',
      "import { h } from 'kysely';",
      " * import { x } from './not-code.ts' (a comment)",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['./a.ts', '../b/b.ts', './d.ts', './e.ts', './f.ts', './g.ts']);
  });

  it('has no loops between folders', () => {
    const edges = folderEdges();
    expect(edges.length).toBeGreaterThan(50);
    const next = new Map<string, Set<string>>();
    for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
    const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
    const report = loops(nodes, next).map((component) => {
      const members = new Set(component);
      const cycle = shortestLoop(component[0], members, next);
      const files = edges
        .filter((e) => members.has(e.from) && members.has(e.to))
        .map((e) => `    ${e.file} -> ${e.target}`)
        .filter((line, i, all) => all.indexOf(line) === i);
      return `loop: ${cycle.join(' -> ')}\n  folders in it: ${component.join(', ')}\n  imports between them:\n${files.join('\n')}`;
    });
    expect(report, `folder-level import loops:\n${report.join('\n\n')}`).toEqual([]);
  });
});
