import { ScimError } from './errors.ts';

/** RFC 7644 §3.7 Bulk: request parsing, bulkId references, the response; knows nothing of Roster. */

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

export interface BulkOperation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  bulkId: string | null;
  path: string;
  version: string | null;
  data: unknown;
}

export interface BulkRequest {
  failOnErrors: number | null;
  operations: BulkOperation[];
}

export interface BulkResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a BulkRequest. More operations than maxOperations is a 413 (§3.7.4).
 * @throws ScimError 400 invalidSyntax / invalidValue, 413 tooMany
 */
export function parseBulkRequest(body: unknown, maxOperations: number): BulkRequest {
  if (!isObject(body) || !Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST_SCHEMA)) {
    throw new ScimError(400, 'invalidSyntax', `the body must be a BulkRequest (${BULK_REQUEST_SCHEMA})`);
  }
  const operations = body.Operations;
  if (!Array.isArray(operations)) throw new ScimError(400, 'invalidSyntax', 'Operations must be an array');
  if (operations.length > maxOperations) throw new ScimError(413, 'tooMany', `at most ${maxOperations} operations per Bulk request`);
  const failOnErrors = body.failOnErrors;
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw new ScimError(400, 'invalidValue', 'failOnErrors must be a positive integer');
  }
  const seen = new Set<string>();
  return {
    failOnErrors: (failOnErrors as number | undefined) ?? null,
    operations: operations.map((raw, i) => {
      if (!isObject(raw)) throw new ScimError(400, 'invalidSyntax', `Operations[${i}] must be an object`);
      const method = String(raw.method ?? '').toUpperCase();
      if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
        throw new ScimError(400, 'invalidValue', `Operations[${i}].method is invalid`);
      if (typeof raw.path !== 'string' || !raw.path.startsWith('/'))
        throw new ScimError(400, 'invalidValue', `Operations[${i}].path must start with /`);
      const bulkId = raw.bulkId === undefined ? null : String(raw.bulkId);
      if (method === 'POST' && !bulkId) throw new ScimError(400, 'invalidValue', `Operations[${i}]: a POST needs a bulkId`);
      if (bulkId) {
        if (seen.has(bulkId)) throw new ScimError(400, 'invalidValue', `bulkId ${bulkId} is used twice`);
        seen.add(bulkId);
      }
      return {
        method: method as BulkOperation['method'],
        bulkId,
        path: raw.path,
        version: raw.version === undefined ? null : String(raw.version),
        data: raw.data,
      };
    }),
  };
}

/** The bulkIds an operation refers to (`"bulkId:x"` anywhere in its path or data). */
export function referencedBulkIds(operation: BulkOperation): string[] {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('bulkId:')) out.add(value.slice(7));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (isObject(value)) Object.values(value).forEach(walk);
  };
  walk(operation.path.split('/').find((part) => part.startsWith('bulkId:')) ?? null);
  walk(operation.data);
  return [...out];
}

/**
 * Replaces every `bulkId:x` reference by the id the operation with bulkId x created.
 * @throws ScimError 409 invalidValue for a reference to an operation that created nothing (§3.7.2: unresolved)
 */
export function resolveBulkIds<T>(value: T, created: ReadonlyMap<string, string>): T {
  const swap = (text: string) => {
    const id = created.get(text.slice(7));
    if (!id) throw new ScimError(409, 'invalidValue', `${text} refers to no created resource`);
    return id;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.startsWith('bulkId:') ? swap(v) : v.replace(/bulkId:[\w.-]+/g, (m) => swap(m));
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Orders operations so that each runs after the operations whose bulkIds it refers to (§3.7.1); a cycle or a
 * reference to an unknown bulkId keeps the original order (the reference then fails on its own).
 */
export function orderBulkOperations(operations: BulkOperation[]): BulkOperation[] {
  const byId = new Map(operations.filter((o) => o.bulkId).map((o) => [o.bulkId as string, o]));
  const done = new Set<BulkOperation>();
  const visiting = new Set<BulkOperation>();
  const out: BulkOperation[] = [];
  const visit = (o: BulkOperation) => {
    if (done.has(o) || visiting.has(o)) return;
    visiting.add(o);
    for (const ref of referencedBulkIds(o)) {
      const dep = byId.get(ref);
      if (dep && dep !== o) visit(dep);
    }
    visiting.delete(o);
    done.add(o);
    out.push(o);
  };
  operations.forEach(visit);
  return out;
}

export function bulkResponse(results: BulkResult[]) {
  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: results };
}
