import { ScimError } from './errors.ts';
import type { AttrPath, CompValue, Filter } from './filter-ast.ts';

/** Which string attributes compare case-exactly (RFC 7643 `caseExact`); by `attr` or `attr.sub`, lower-cased. */
export type CaseExact = (name: string) => boolean;

type Json = Record<string, unknown>;

/** The value of an own key, found case-insensitively (SCIM attribute names are case-insensitive). */
export function getInsensitive(object: Json, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

/** The key of `object` spelled like `name` case-insensitively, or undefined. */
export function keyInsensitive(object: Json, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The container a path's attribute lives in: the resource, or its extension object when the URN names one. */
function containerOf(resource: Json, path: AttrPath, coreSchemas: readonly string[]): Json | undefined {
  if (!path.uri || coreSchemas.some((s) => s.toLowerCase() === path.uri?.toLowerCase())) return resource;
  const extension = getInsensitive(resource, path.uri);
  return isObject(extension) ? extension : undefined;
}

/** Every value a path names (multi-valued attributes flatten; a multi-valued attribute without sub means its `value`s). */
function valuesAt(resource: Json, path: AttrPath, coreSchemas: readonly string[]): unknown[] {
  const container = containerOf(resource, path, coreSchemas);
  if (!container) return [];
  const top = getInsensitive(container, path.attr);
  const items = Array.isArray(top) ? top : top === undefined || top === null ? [] : [top];
  const sub = path.sub ?? (Array.isArray(top) ? 'value' : null);
  const out: unknown[] = [];
  for (const item of items) {
    const value = sub ? (isObject(item) ? getInsensitive(item, sub) : undefined) : item;
    if (value !== undefined && value !== null) out.push(value);
  }
  return out;
}

function compareOne(
  actual: unknown,
  op: 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le' | 'eq',
  expected: CompValue,
  exact: boolean,
): boolean {
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    if (op !== 'eq') throw new ScimError(400, 'invalidFilter', `${op} does not apply to booleans`);
    return actual === expected;
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    if (op === 'eq') return actual === expected;
    if (op === 'gt') return actual > expected;
    if (op === 'ge') return actual >= expected;
    if (op === 'lt') return actual < expected;
    if (op === 'le') return actual <= expected;
    return false;
  }
  if (typeof actual !== 'string' || typeof expected !== 'string') return false;
  const a = exact ? actual : actual.toLowerCase();
  const e = exact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq':
      return a === e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
}

/**
 * Evaluates a filter against one resource in memory: the reference semantics the SQL translation is tested against,
 * and how PATCH value filters pick elements. `ne` is `not eq` (an absent attribute is `ne` anything), `eq null` and
 * `pr` are each other's negation, and a multi-valued attribute matches when any value does.
 * @throws ScimError 400 invalidFilter for an ordering operator on a boolean.
 */
export function evaluateFilter(filter: Filter, resource: Json, caseExact: CaseExact, coreSchemas: readonly string[] = []): boolean {
  switch (filter.kind) {
    case 'and':
      return (
        evaluateFilter(filter.left, resource, caseExact, coreSchemas) && evaluateFilter(filter.right, resource, caseExact, coreSchemas)
      );
    case 'or':
      return (
        evaluateFilter(filter.left, resource, caseExact, coreSchemas) || evaluateFilter(filter.right, resource, caseExact, coreSchemas)
      );
    case 'not':
      return !evaluateFilter(filter.filter, resource, caseExact, coreSchemas);
    case 'present':
      return valuesAt(resource, filter.path, coreSchemas).some((v) => v !== '' && !(Array.isArray(v) && v.length === 0));
    case 'valuePath': {
      const container = containerOf(resource, filter.path, coreSchemas);
      const top = container ? getInsensitive(container, filter.path.attr) : undefined;
      const items = Array.isArray(top) ? top : isObject(top) ? [top] : [];
      return items.some((item) => isObject(item) && evaluateFilter(filter.filter, item, (n) => caseExact(`${filter.path.attr}.${n}`), []));
    }
    case 'compare': {
      const values = valuesAt(resource, filter.path, coreSchemas);
      const name = (filter.path.sub ? `${filter.path.attr}.${filter.path.sub}` : filter.path.attr).toLowerCase();
      const exact = caseExact(name);
      if (filter.value === null) {
        const present = values.length > 0;
        return filter.op === 'eq' ? !present : filter.op === 'ne' ? present : false;
      }
      if (filter.op === 'ne') return !values.some((v) => compareOne(v, 'eq', filter.value, exact));
      const op = filter.op;
      return values.some((v) => compareOne(v, op, filter.value, exact));
    }
  }
}
