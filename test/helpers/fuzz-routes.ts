import type { FastifyInstance } from 'fastify';
import type { JsonSchema } from './fuzz-schema.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

/** One method on one path, with what the OpenAPI document says it takes (nothing, for routes it does not list). */
export interface Operation {
  method: Method;
  /** Fastify's form: `/v1/users/:id`; a trailing `*` is a wildcard. */
  path: string;
  parameters: Parameter[];
  body: JsonSchema | null;
  /** True when /openapi.json describes it; false for routes found only in the route table. */
  documented: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS: readonly Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Every operation /openapi.json describes. */
export function documentedOperations(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const upper = method.toUpperCase() as Method;
      if (!METHODS.includes(upper)) continue;
      const content = op.requestBody?.content ?? {};
      const body = content['application/json']?.schema ?? Object.values(content)[0]?.schema ?? null;
      out.push({
        method: upper,
        path: path.replace(/\{([^}]+)\}/g, ':$1'),
        parameters: (op.parameters ?? []).map((p) => ({ ...p, required: p.required === true, schema: p.schema ?? {} })),
        body,
        documented: true,
      });
    }
  }
  return out;
}

/**
 * Every method and path in Fastify's route table, read from `printRoutes({ commonPrefix: false })`: each line
 * is a tree node (`├── /segment (GET, POST)`), its depth given by its indentation, its path the concatenation of
 * the segments above it. Alternative parameter names at one node (`:id|:user_id`) are one path shape.
 */
export function routeTable(app: FastifyInstance): { method: Method; path: string }[] {
  const stack: string[] = [];
  const out: { method: Method; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const segment = (match[2] ?? '').split('|')[0] ?? '';
    stack.length = depth;
    stack.push(segment);
    if (!match[3]) continue;
    const path = stack.join('');
    for (const method of match[3].split(', ')) if (METHODS.includes(method as Method)) out.push({ method: method as Method, path });
  }
  return out;
}

/** The path with every parameter and wildcard as `:`, to compare paths whatever their parameters are called. */
export function shapeOf(path: string): string {
  return path.replace(/:[^/]+/g, ':').replace(/\*$/, ':');
}

/**
 * The documented operations plus every route-table route the document leaves out (hidden fallbacks, HEAD,
 * method-not-allowed answers, the docs page), the latter with path parameters only.
 */
export function allOperations(app: FastifyInstance, doc: OpenApiDocument): Operation[] {
  const documented = documentedOperations(doc);
  const seen = new Set(documented.map((o) => `${o.method} ${shapeOf(o.path)}`));
  const extra: Operation[] = [];
  for (const { method, path } of routeTable(app)) {
    const key = `${method} ${shapeOf(path)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const names = [...path.matchAll(/:([^/]+)/g)].map((m) => m[1] as string);
    const parameters: Parameter[] = names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    extra.push({ method, path, parameters, body: null, documented: false });
  }
  return [...documented, ...extra];
}
