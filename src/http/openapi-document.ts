/**
 * What the OpenAPI documents say beyond the route schemas, derived from the same routes: the security each operation
 * needs (from its `config.auth`), error responses as `application/problem+json` with the catalogue codes of their
 * status, and the split into the native document (`/openapi.json`) and one document per vendor dialect
 * (`/openapi/<dialect>.json`), so generators and linters see one coherent API at a time.
 */
import type { RouteOptions } from 'fastify';
import { ERRORS } from '../core/errors.ts';

type Json = Record<string, unknown>;

interface RouteSchema {
  tags?: string[];
  operationId?: string;
  security?: Json[];
  response?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The catalogue's codes by HTTP status, in catalogue order. */
const CODES_BY_STATUS = Object.entries(ERRORS).reduce<Record<number, string[]>>((byStatus, [code, entry]) => {
  byStatus[entry.status] = [...(byStatus[entry.status] ?? []), code];
  return byStatus;
}, {});

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  412: 'Precondition failed (If-Match)',
  413: 'Body too large',
  415: 'Unsupported content type',
  422: 'Not valid',
  429: 'Too many requests (see Retry-After)',
  500: 'Internal error',
  503: 'Unavailable (see Retry-After)',
};

/** A problem+json response whose `code` is one of the catalogue's codes for that status. */
function problemResponse(status: number): Json {
  const codes = CODES_BY_STATUS[status] ?? [];
  return {
    description: `${STATUS_TEXT[status] ?? `HTTP ${status}`}${codes.length ? `: ${codes.join(', ')}` : ''}`,
    content: {
      'application/problem+json': {
        schema: codes.length
          ? { allOf: [{ $ref: 'Problem' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] }
          : { $ref: 'Problem' },
      },
    },
  };
}

const isProblemRef = (schema: unknown) => typeof schema === 'object' && schema !== null && (schema as Json).$ref === 'Problem';

/** The security requirement of a native route, from how its scope authenticates it. */
function securityOf(url: string, route: RouteOptions, schema: RouteSchema, dialects: readonly string[]): Json[] | undefined {
  if (schema.security) return schema.security;
  // Outside /v1: the probes and the JWKS are public; a dialect authenticates in its vendor's way.
  if (!url.startsWith('/v1/')) return isDialect(schema, dialects) ? undefined : [];
  const auth = (route.config as { auth?: string } | undefined)?.auth;
  if (auth === 'admin') return [{ adminToken: [] }];
  if (auth === 'none') return [];
  return [{ apiKey: [] }];
}

/**
 * The tags that mark vendor dialect routes are the dialect names, passed in by app.ts: http/ does not import
 * dialects/ (they import http/).
 */
const isDialect = (schema: RouteSchema, dialects: readonly string[]) => (schema.tags ?? []).some((tag) => dialects.includes(tag));

/**
 * `get /v4/Users` → `get_v4_Users`: ids for vendor routes, which mirror vendor paths (case and trailing slash kept,
 * since some vendors serve both spellings).
 */
function derivedOperationId(method: string, url: string): string {
  const words = url.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [method.toLowerCase(), ...words].join('_') + (url.endsWith('/') ? '_slash' : '');
}

/**
 * The @fastify/swagger `transform`: adds security and problem+json error responses to a route's schema for the
 * document only (it returns a copy; the route's own schema, which serializes replies, is left alone).
 */
export function documentRoute(
  { schema, url, route }: { schema: unknown; url: string; route: RouteOptions },
  dialects: readonly string[],
): { schema: unknown; url: string } {
  if (!schema) return { schema, url };
  const source = schema as RouteSchema;
  const copy: RouteSchema = { ...source };
  const security = securityOf(url, route, source, dialects);
  if (security) copy.security = security;
  if (!copy.operationId && isDialect(source, dialects)) {
    const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
    copy.operationId = `${source.tags?.[0]}_${derivedOperationId(method, url)}`;
  }
  if (source.response && !isDialect(source, dialects)) {
    copy.response = Object.fromEntries(
      Object.entries(source.response).map(([status, value]) => [status, isProblemRef(value) ? problemResponse(Number(status)) : value]),
    );
  }
  return { schema: copy, url };
}

interface OpenApiDocument {
  info: Json;
  tags?: { name: string }[];
  paths?: Record<string, Record<string, { tags?: string[] }>>;
  components?: { schemas?: Json; securitySchemes?: Json };
  [key: string]: unknown;
}

/** Keeps only the schemas the rest of the document references, transitively. */
function pruneSchemas(document: OpenApiDocument): OpenApiDocument {
  const schemas = document.components?.schemas ?? {};
  const keep = new Set<string>();
  const visit = (value: unknown) => {
    for (const match of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = match[1] as string;
      if (keep.has(name)) continue;
      keep.add(name);
      visit(schemas[name]);
    }
  };
  visit(document.paths);
  return {
    ...document,
    components: { ...document.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => keep.has(name))) },
  };
}

/** The paths of `document` whose operations satisfy `keep`, dropping paths left without operations. */
function filterPaths(document: OpenApiDocument, keep: (tags: string[]) => boolean): OpenApiDocument['paths'] {
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const operations = Object.fromEntries(Object.entries(item).filter(([, operation]) => keep(operation.tags ?? [])));
    if (Object.keys(operations).length) paths[path] = operations;
  }
  return paths;
}

/** The native API's document (/v1 and the probes), without the vendor dialects. */
export function nativeDocument(full: OpenApiDocument, dialects: readonly string[]): OpenApiDocument {
  const isDialectTag = (tag: string) => dialects.includes(tag);
  return pruneSchemas({
    ...full,
    servers: [{ url: '/', description: 'This Roster server' }],
    tags: (full.tags ?? []).filter((tag) => !isDialectTag(tag.name)),
    paths: filterPaths(full, (tags) => !tags.some(isDialectTag)),
  });
}

/**
 * What an adapter adds to its own document where its routes carry no schema (SCIM validates its wire format
 * itself): components, the security of every operation, and per operationId the parts of an operation (parameters
 * are appended to the path's, the rest replaces the generated parts).
 */
export interface DocumentAdditions {
  components: { schemas?: Json; securitySchemes?: Json };
  security: Json[];
  operations: Record<string, Json>;
}

/** `document` with `additions` merged in (a copy; the operations it adds to are copied too). */
function withAdditions(document: OpenApiDocument, additions: DocumentAdditions | undefined): OpenApiDocument {
  if (!additions) return document;
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    paths[path] = Object.fromEntries(
      Object.entries(item).map(([method, operation]) => {
        const op = operation as Json & { operationId?: string; parameters?: unknown[] };
        const extra = op.operationId ? additions.operations[op.operationId] : undefined;
        if (!extra) return [method, operation];
        const parameters = [...(op.parameters ?? []), ...((extra.parameters as unknown[] | undefined) ?? [])];
        return [method, { ...op, ...extra, ...(parameters.length ? { parameters } : {}) }];
      }),
    );
  }
  return {
    ...document,
    security: additions.security,
    components: {
      ...document.components,
      schemas: { ...document.components?.schemas, ...additions.components.schemas },
      securitySchemes: { ...document.components?.securitySchemes, ...additions.components.securitySchemes },
    },
    paths,
  };
}

/** One vendor dialect's document: the paths Roster serves in that vendor's shape, with the adapter's additions. */
export function dialectDocument(full: OpenApiDocument, dialect: string, additions?: DocumentAdditions): OpenApiDocument {
  const { securitySchemes: _native, ...components } = full.components ?? {};
  const document = pruneSchemas({
    ...full,
    info: {
      ...full.info,
      ...(dialect === 'scim'
        ? { title: 'Roster: SCIM 2.0', description: 'The SCIM 2.0 service provider at /scim/v2 (RFC 7643/7644; see docs/scim.md).' }
        : { title: `Roster: ${dialect} dialect`, description: `The ${dialect} API as Roster serves it (see docs/dialects.md).` }),
    },
    servers: [{ url: '/', description: 'This Roster server' }],
    security: [],
    components,
    tags: (full.tags ?? []).filter((tag) => tag.name === dialect),
    paths: filterPaths(full, (tags) => tags.includes(dialect)),
  });
  return withAdditions(document, additions);
}
