import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

/**
 * Kysely queries compiled once per shape and then run with new values: on the hottest paths, building and
 * compiling a query costs more CPU than everything else Roster does with its result.
 *
 * The caller collects the statement's values in a Params list; `build` uses `param(i)` wherever the query
 * takes values[i]. `shape` must name everything that changes the SQL text (which columns, which filters)
 * and values must be added in the same order for the same shape. A param must reach the query as a plain
 * value: one transformed on the way (stringified, concatenated) is not found in the compiled parameters,
 * which fails loudly on first use.
 */
const MARK = '\u0000roster-param:';
const MAX_SHAPES = 1000;

interface Entry {
  sql: string;
  parameters: readonly unknown[];
  /** [parameter position, values index] pairs. */
  slots: number[];
}

const cache = new Map<string, Entry>();

/** A statement's values, in order. */
export class Params {
  readonly values: unknown[] = [];

  /** Adds a value; returns its index. */
  add(value: unknown): number {
    return this.values.push(value) - 1;
  }

  /** Adds every value of a record in key order; returns the index of the first. */
  addAll(record: Record<string, unknown>): number {
    const first = this.values.length;
    for (const key in record) this.values.push(record[key]);
    return first;
  }
}

function compile(shape: string, count: number, build: (param: <T>(index: number) => T) => Compilable<unknown>): Entry {
  const compiled = build(<T>(index: number) => `${MARK}${index}` as T).compile();
  const slots: number[] = [];
  const seen = new Set<number>();
  compiled.parameters.forEach((value, position) => {
    if (typeof value !== 'string' || !value.startsWith(MARK)) return;
    const index = Number(value.slice(MARK.length));
    slots.push(position, index);
    seen.add(index);
  });
  if (seen.size !== count) throw new Error(`compiled query ${shape}: ${count - seen.size} values do not reach the SQL as parameters`);
  return { sql: compiled.sql, parameters: compiled.parameters, slots };
}

/** Runs the query of this shape with these values; see above. */
export async function executeCompiled<R>(
  db: Kysely<any>,
  shape: string,
  params: Params,
  build: (param: <T>(index: number) => T) => Compilable<R>,
): Promise<R[]> {
  let entry = cache.get(shape);
  if (!entry) {
    entry = compile(shape, params.values.length, build);
    if (cache.size < MAX_SHAPES) cache.set(shape, entry);
  }
  const parameters = entry.parameters.slice();
  const { slots } = entry;
  for (let i = 0; i < slots.length; i += 2) parameters[slots[i]] = params.values[slots[i + 1]];
  const result = await db.executeQuery<R>(CompiledQuery.raw(entry.sql, parameters));
  return result.rows;
}
