import { ScimError } from './errors.ts';

/** RFC 7644 §3.4.2 list responses and paging parameters; knows nothing of Roster. */

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A query (GET) or SearchRequest (POST .search) after validation. */
export interface ListParams {
  filter?: string;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  startIndex: number;
  count: number;
  attributes?: string[];
  excludedAttributes?: string[];
}

function list(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

function integer(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n)) throw new ScimError(400, 'invalidValue', `${name} must be an integer`);
  return n;
}

/**
 * Reads paging, sorting, filter and projection from a query string or a SearchRequest body. startIndex below 1
 * counts as 1 and a negative count as 0 (§3.4.2.4); count is capped at maxResults.
 * @throws ScimError 400 invalidValue (non-integer, bad sortOrder), invalidSyntax (a SearchRequest without its schema)
 */
export function readListParams(source: Record<string, unknown>, maxResults: number, isSearchRequest = false): ListParams {
  if (isSearchRequest) {
    const schemas = source.schemas;
    if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(SEARCH_REQUEST_SCHEMA))) {
      throw new ScimError(400, 'invalidSyntax', `schemas must include ${SEARCH_REQUEST_SCHEMA}`);
    }
  }
  const order = source.sortOrder === undefined ? 'ascending' : String(source.sortOrder).toLowerCase();
  if (order !== 'ascending' && order !== 'descending') throw new ScimError(400, 'invalidValue', 'sortOrder is ascending or descending');
  const startIndex = Math.max(1, integer(source.startIndex, 'startIndex') ?? 1);
  const count = Math.min(maxResults, Math.max(0, integer(source.count, 'count') ?? maxResults));
  const filter = source.filter === undefined ? undefined : String(source.filter);
  return {
    filter: filter?.trim() ? filter : undefined,
    sortBy: source.sortBy === undefined ? undefined : String(source.sortBy),
    sortOrder: order,
    startIndex,
    count,
    attributes: list(source.attributes),
    excludedAttributes: list(source.excludedAttributes),
  };
}

/**
 * Projects a resource by `attributes` / `excludedAttributes` (§3.4.2.5): `id`, `schemas` and the `always`
 * attributes stay; names may be URN-qualified and dotted (`name.givenName`), compared case-insensitively.
 */
export function projectResource<T extends Record<string, unknown>>(
  resource: T,
  params: { attributes?: string[]; excludedAttributes?: string[] },
  always: readonly string[] = ['id', 'schemas', 'meta'],
  coreSchemas: readonly string[] = [],
): Record<string, unknown> {
  const norm = (name: string) => {
    let n = name.toLowerCase();
    for (const uri of coreSchemas) if (n.startsWith(`${uri.toLowerCase()}:`)) n = n.slice(uri.length + 1);
    return n;
  };
  const keep = new Set(always.map((a) => a.toLowerCase()));
  if (params.attributes?.length) {
    const wanted = params.attributes.map(norm);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(resource)) {
      const k = key.toLowerCase();
      if (keep.has(k) || wanted.includes(k)) {
        out[key] = value;
        continue;
      }
      const subs = wanted.filter((w) => w.startsWith(`${k}.`) || w.startsWith(`${k}:`)).map((w) => w.slice(k.length + 1));
      if (subs.length > 0 && value && typeof value === 'object' && !Array.isArray(value)) {
        out[key] = Object.fromEntries(Object.entries(value).filter(([sub]) => subs.includes(sub.toLowerCase())));
      } else if (subs.length > 0 && Array.isArray(value)) {
        out[key] = value.map((item) =>
          Object.fromEntries(Object.entries(item as object).filter(([sub]) => subs.includes(sub.toLowerCase()))),
        );
      }
    }
    return out;
  }
  if (params.excludedAttributes?.length) {
    const excluded = params.excludedAttributes.map(norm);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(resource)) {
      const k = key.toLowerCase();
      if (!keep.has(k) && excluded.includes(k)) continue;
      const subs = excluded.filter((w) => w.startsWith(`${k}.`) || w.startsWith(`${k}:`)).map((w) => w.slice(k.length + 1));
      out[key] =
        subs.length > 0 && value && typeof value === 'object' && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).filter(([sub]) => !subs.includes(sub.toLowerCase())))
          : value;
    }
    return out;
  }
  return resource;
}
