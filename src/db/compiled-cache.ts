import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

/**
 * Kysely queries compiled once per shape and then run with new values: on the hottest paths, building and
 * compiling a query costs more CPU than everything else Roster does with its result.
 *
 * `build` receives `param(name)` to use wherever the query takes a value; at run time `values[name]`
 * takes that parameter's place. `shape` must name everything that changes the SQL text (which columns,
 * which filters). A param must reach the query as a plain value: one transformed on the way (stringified,
 * concatenated) is not found in the compiled parameters, which fails loudly on first use.
 */
const MARK = '\u0000roster-param:';
const MAX_SHAPES = 1000;

interface Entry {
  sql: string;
  parameters: readonly unknown[];
  slots: { index: number; name: string }[];
}

const cache = new Map<string, Entry>();

function compile(shape: string, names: string[], build: (param: <T>(name: string) => T) => Compilable<unknown>): Entry {
  const compiled = build(<T>(name: string) => `${MARK}${name}` as T).compile();
  const slots: Entry['slots'] = [];
  compiled.parameters.forEach((value, index) => {
    if (typeof value === 'string' && value.startsWith(MARK)) slots.push({ index, name: value.slice(MARK.length) });
  });
  const missing = names.filter((name) => !slots.some((slot) => slot.name === name));
  if (missing.length > 0) throw new Error(`compiled query ${shape}: params ${missing.join(', ')} do not reach the SQL as values`);
  return { sql: compiled.sql, parameters: compiled.parameters, slots };
}

/** Runs the query of this shape with these values; see above. */
export async function executeCompiled<R>(
  db: Kysely<any>,
  shape: string,
  values: Record<string, unknown>,
  build: (param: <T>(name: string) => T) => Compilable<R>,
): Promise<R[]> {
  let entry = cache.get(shape);
  if (!entry) {
    entry = compile(shape, Object.keys(values), build);
    if (cache.size < MAX_SHAPES) cache.set(shape, entry);
  }
  const parameters = entry.parameters.slice();
  for (const { index, name } of entry.slots) parameters[index] = values[name];
  const result = await db.executeQuery<R>(CompiledQuery.raw(entry.sql, parameters));
  return result.rows;
}
