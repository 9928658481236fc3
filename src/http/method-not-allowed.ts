import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../core/errors.ts';

/** The methods served at each route pattern, to tell "no such path" (404) from "not this method" (405). */
export interface RouteTable {
  /** The methods a concrete path is served with, sorted; empty when no route matches it. */
  methodsFor(path: string): string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteTable;
  }
  interface FastifyContextConfig {
    /** A route that only answers the methods a path does not serve (in its API's envelope): not a served method. */
    methodCatchAll?: boolean;
  }
}

interface Entry {
  pattern: RegExp;
  methods: Set<string>;
}

// `:name` (with an optional regex in parentheses) is one path segment; everything else is literal.
function compile(url: string): RegExp {
  let source = '';
  for (let i = 0; i < url.length; ) {
    const param = /^:[A-Za-z0-9_]+(\((?:\\.|[^)])*\))?/.exec(url.slice(i));
    if (param) {
      source += param[1] ? `(?:${param[1].slice(1, -1).replace(/^\^|\$$/g, '')})` : '[^/]+';
      i += param[0].length;
    } else {
      source += url[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Records every route registered from now on (call it before any route). Wildcard routes (`/x/*`) are catch-alls
 * that answer 404 themselves and are left out, so they do not make every method look allowed.
 */
export function recordRoutes(app: FastifyInstance): void {
  const entries = new Map<string, Entry>();
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url.includes('*') || route.config?.methodCatchAll) return;
    const entry = entries.get(route.url) ?? { pattern: compile(route.url), methods: new Set<string>() };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(method.toUpperCase());
    entries.set(route.url, entry);
  });
  app.decorate('routeTable', {
    methodsFor(path: string) {
      const methods = new Set<string>();
      for (const entry of entries.values()) if (entry.pattern.test(path)) for (const m of entry.methods) methods.add(m);
      return [...methods].sort();
    },
  });
}

/**
 * For a request no route answered: METHOD_NOT_ALLOWED with `Allow` set on the reply when the path is served with
 * other methods, else null (a plain 404). The caller sends the error in the envelope of its API.
 */
export function methodNotAllowed(request: FastifyRequest, reply: FastifyReply): AppError | null {
  const table = request.server.routeTable;
  if (!table) return null;
  const path = request.url.split('?')[0];
  const allowed = table.methodsFor(path);
  if (allowed.length === 0 || allowed.includes(request.method)) return null;
  const allow = allowed.join(', ');
  reply.header('allow', allow);
  return new AppError('METHOD_NOT_ALLOWED', `${request.method} is not served at ${path}; it takes ${allow}`, { allow: allowed });
}
