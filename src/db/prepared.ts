import pg from 'pg';

/**
 * A pg client that runs parameterized statements as named prepared statements, so PostgreSQL parses and
 * plans each distinct statement once per connection instead of on every call. Kysely compiles the same
 * SQL text for the same query shape, so the text itself is the key.
 *
 * Bounds and safety:
 * - At most MAX_NAMED distinct texts are ever named (per process), which bounds the plans each PostgreSQL
 *   connection keeps; any others (rare shapes) run unnamed, as before.
 * - Statements without parameters (BEGIN, COMMIT, DDL) always run unnamed.
 * - When PostgreSQL reports that a prepared plan went stale after a schema change made by another process
 *   ("cached plan must not change result type"), that statement fails once; every connection then drops
 *   its prepared statements before its next named statement.
 * - Disable with ROSTER_DB_PREPARED_STATEMENTS=off (e.g. behind a pooler that does not support them).
 */
const MAX_NAMED = 200;
const names = new Map<string, string>();
/** Bumped when a prepared plan went stale; connections prepared under an older generation start over. */
let generation = 0;

function nameFor(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `roster_${names.size}`;
    names.set(text, name);
  }
  return name;
}

function isStalePlan(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '0A000' && /cached plan/.test((error as Error).message);
}

export class PreparingClient extends pg.Client {
  #generation = generation;

  // pg's query() is heavily overloaded; this wrapper forwards every form it does not name.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) {
      return super.query(config, values, callback);
    }
    const name = nameFor(config);
    if (name === undefined) return super.query(config, values);
    if (this.#generation !== generation) return this.#resetThenQuery(name, config, values);
    return this.#named(name, config, values);
  }

  #named(name: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
    // pg turns a Date into local-time text with a slow formatter; ISO text is the same instant, cheaper.
    // (Kysely hands over a fresh array, so it may be changed in place.)
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value instanceof Date) values[i] = value.toISOString();
    }
    return new Promise((resolve, reject) => {
      // A Query made from the text, named afterwards, spares pg a copy of a config object on every call.
      const query = new pg.Query(text, values, (error: Error | undefined, result: unknown) => {
        if (!error) return resolve(result as pg.QueryResult);
        if (isStalePlan(error)) generation++;
        reject(error);
      });
      (query as unknown as { name: string }).name = name;
      super.query(query);
    });
  }

  async #resetThenQuery(name: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
    this.#generation = generation;
    await super.query('DEALLOCATE ALL');
    (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements = {};
    return this.#named(name, text, values);
  }
}
