import { ScimError } from './errors.ts';
import type { PatchPath } from './filter-ast.ts';
import { type CaseExact, evaluateFilter, getInsensitive, keyInsensitive } from './filter-eval.ts';
import { parsePatchPath } from './filter-parser.ts';

/** RFC 7644 §3.5.2 PATCH over plain JSON resources; knows nothing of Roster. */

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: PatchPath | null;
  /** The path as sent, for messages. */
  pathText: string | null;
  value: unknown;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a PatchOp body: the schema, and Operations with ops in any case (Entra sends `Replace`, `Add`).
 * @throws ScimError 400 invalidSyntax (shape), invalidPath (path), invalidFilter (value filter in a path).
 */
export function parsePatchRequest(body: unknown, maxOperations = 1000): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a PatchOp object');
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA)) {
    throw new ScimError(400, 'invalidSyntax', `schemas must include ${PATCH_OP_SCHEMA}`);
  }
  const operations = getInsensitive(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0)
    throw new ScimError(400, 'invalidSyntax', 'Operations must be a non-empty array');
  if (operations.length > maxOperations) throw new ScimError(400, 'tooMany', `at most ${maxOperations} operations`);
  return operations.map((raw, i) => {
    if (!isObject(raw)) throw new ScimError(400, 'invalidSyntax', `Operations[${i}] must be an object`);
    const op = String(getInsensitive(raw, 'op') ?? '').toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw new ScimError(400, 'invalidSyntax', `Operations[${i}].op must be add, replace or remove`);
    const rawPath = getInsensitive(raw, 'path');
    if (rawPath !== undefined && typeof rawPath !== 'string')
      throw new ScimError(400, 'invalidPath', `Operations[${i}].path must be a string`);
    const path = rawPath === undefined || rawPath.trim() === '' ? null : parsePatchPath(rawPath);
    const value = getInsensitive(raw, 'value');
    if (op === 'remove' && !path) throw new ScimError(400, 'noTarget', `Operations[${i}]: remove needs a path`);
    if (op !== 'remove' && value === undefined) throw new ScimError(400, 'invalidValue', `Operations[${i}]: ${op} needs a value`);
    if (!path && !isObject(value)) throw new ScimError(400, 'invalidValue', `Operations[${i}]: without a path the value must be an object`);
    return { op, path, pathText: rawPath ?? null, value };
  });
}

/** What the engine needs to know of the schema. */
export interface PatchSchema {
  /** The core schema URNs: a path qualified with one addresses the resource itself. */
  coreSchemas: readonly string[];
  /** True for a multi-valued attribute (`emails`, `members`), by lower-cased top-level name. */
  multiValued(attr: string): boolean;
  caseExact: CaseExact;
}

function container(resource: Json, uri: string | null, schema: PatchSchema, create: boolean): Json | undefined {
  if (!uri || schema.coreSchemas.some((s) => s.toLowerCase() === uri.toLowerCase())) return resource;
  const key = keyInsensitive(resource, uri) ?? uri;
  let ext = resource[key];
  if (!isObject(ext)) {
    if (!create) return undefined;
    ext = {};
    resource[key] = ext;
  }
  return ext as Json;
}

function setKey(object: Json, name: string, value: unknown): void {
  object[keyInsensitive(object, name) ?? name] = value;
}

function deleteKey(object: Json, name: string): void {
  const key = keyInsensitive(object, name);
  if (key !== undefined) delete object[key];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && 'value' in a && 'value' in b) return a.value === b.value;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** add/replace of `value` at attr[.sub] (no filter). */
function write(target: Json, attr: string, sub: string | null, value: unknown, op: 'add' | 'replace', schema: PatchSchema): void {
  const multi = schema.multiValued(attr.toLowerCase());
  if (sub) {
    const current = getInsensitive(target, attr);
    if (multi) {
      // `emails.value` without a filter: every element (there is seldom more than the primary).
      const items = Array.isArray(current) ? current : [];
      if (items.length === 0) setKey(target, attr, [{ [sub]: value }]);
      else for (const item of items) if (isObject(item)) setKey(item, sub, value);
      return;
    }
    const complex = isObject(current) ? current : {};
    setKey(complex, sub, value);
    setKey(target, attr, complex);
    return;
  }
  if (multi) {
    const incoming = Array.isArray(value) ? value : [value];
    if (op === 'replace') {
      setKey(target, attr, incoming);
      return;
    }
    const current = getInsensitive(target, attr);
    const items = Array.isArray(current) ? [...current] : [];
    for (const v of incoming) if (!items.some((item) => sameValue(item, v))) items.push(v);
    setKey(target, attr, items);
    return;
  }
  const current = getInsensitive(target, attr);
  // A complex attribute's sub-attributes merge; the ones not given stay (§3.5.2.1, §3.5.2.3).
  if (isObject(value) && isObject(current)) {
    const merged = { ...current };
    for (const [k, v] of Object.entries(value)) setKey(merged, k, v);
    setKey(target, attr, merged);
  } else setKey(target, attr, value);
}

function applyPathless(resource: Json, op: 'add' | 'replace', value: Json, schema: PatchSchema): void {
  for (const [key, v] of Object.entries(value)) {
    // An extension URN key with an object: its attributes, one by one.
    if (/^urn:/i.test(key) && isObject(v) && !schema.coreSchemas.some((s) => s.toLowerCase() === key.toLowerCase())) {
      const ext = container(resource, key, schema, true) as Json;
      for (const [k, inner] of Object.entries(v)) {
        const [attr, sub] = k.split('.') as [string, string | undefined];
        write(ext, attr, sub ?? null, inner, op, schema);
      }
      continue;
    }
    // Entra sends dotted keys (`name.givenName`) and URN-qualified ones (`urn:...:enterprise:2.0:User:department`).
    const path = parsePatchPath(key).path;
    const target = container(resource, path.uri, schema, true) as Json;
    write(target, path.attr, path.sub, v, op, schema);
  }
}

function applyOne(resource: Json, operation: PatchOperation, schema: PatchSchema): void {
  const { op, path, value } = operation;
  if (!path) {
    applyPathless(resource, op as 'add' | 'replace', value as Json, schema);
    return;
  }
  const target = container(resource, path.path.uri, schema, op !== 'remove');
  if (!target) return;
  const { attr, sub } = path.path;
  if (!path.filter) {
    if (op !== 'remove') {
      write(target, attr, sub, value, op, schema);
      return;
    }
    if (sub) {
      const current = getInsensitive(target, attr);
      for (const item of Array.isArray(current) ? current : [current]) if (isObject(item)) deleteKey(item, sub);
      return;
    }
    const current = getInsensitive(target, attr);
    // Entra removes members by value: `{"op":"remove","path":"members","value":[{"value":"id"}]}`.
    if (value !== undefined && Array.isArray(current)) {
      const gone = Array.isArray(value) ? value : [value];
      setKey(
        target,
        attr,
        current.filter((item) => !gone.some((g) => sameValue(item, g))),
      );
      return;
    }
    deleteKey(target, attr);
    return;
  }
  const current = getInsensitive(target, attr);
  const items = Array.isArray(current) ? current : [];
  const filter = path.filter;
  const matches = (item: unknown) => isObject(item) && evaluateFilter(filter, item, (n) => schema.caseExact(`${attr}.${n}`), []);
  const field = path.subAfterFilter;
  if (op === 'remove') {
    // Removing what is not there is a no-op: IdPs remove members that may already be gone.
    if (field) for (const item of items.filter(matches)) deleteKey(item as Json, field);
    else
      setKey(
        target,
        attr,
        items.filter((item) => !matches(item)),
      );
    return;
  }
  const hit = items.filter(matches);
  if (hit.length === 0) {
    if (op === 'replace') throw new ScimError(400, 'noTarget', `no value of ${attr} matches ${operation.pathText}`);
    // add with a filter that matches nothing creates the element the filter describes, when it is simple.
    const seed: Json = {};
    if (filter.kind === 'compare' && filter.op === 'eq' && !filter.path.sub) seed[filter.path.attr] = filter.value;
    if (field) seed[field] = value;
    else if (isObject(value)) Object.assign(seed, value);
    setKey(target, attr, [...items, seed]);
    return;
  }
  for (const item of hit) {
    if (field) setKey(item as Json, field, value);
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) setKey(item as Json, k, v);
    else throw new ScimError(400, 'invalidValue', `${operation.pathText}: the value must be an object`);
  }
}

/**
 * Applies the operations in order to a copy of the resource and returns it; the input is untouched, so a
 * failing operation leaves nothing half applied.
 * @throws ScimError 400 noTarget, invalidValue, invalidPath, invalidFilter
 */
export function applyPatch<T extends Json>(resource: T, operations: readonly PatchOperation[], schema: PatchSchema): T {
  const copy = structuredClone(resource) as Json;
  for (const operation of operations) applyOne(copy, operation, schema);
  return copy as T;
}
