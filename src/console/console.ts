import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';
import { logIfServerError, toAppError } from '../http/errors.ts';
import { sendProblem } from '../http/problem.ts';
import { pickServices, type Registry } from '../registry.ts';
import { authenticateConsole } from './console-auth.ts';
import { consoleDirectoryRoutes } from './console-directory.routes.ts';
import { consoleGroupsRoutes } from './console-groups.routes.ts';
import { consoleImportsRoutes } from './console-imports.routes.ts';
import { consoleOverviewRoutes } from './console-overview.routes.ts';
import { consolePlansRoutes } from './console-plans.routes.ts';
import { consoleProvidersRoutes } from './console-providers.routes.ts';
import { consoleSessionRoutes } from './console-session.routes.ts';
import { consoleTenantsRoutes } from './console-tenants.routes.ts';
import { consoleUsersRoutes } from './console-users.routes.ts';
import { consoleWebhooksRoutes } from './console-webhooks.routes.ts';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';

/** The built SPA (console/dist, made by Vite), the same from src/console and dist/console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

/**
 * No inline script or style, nothing from elsewhere: the SPA is self-contained (no CDN, no web fonts), so it works
 * offline. `frame-ancestors 'none'` and X-Frame-Options keep it out of frames (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The query string of the users list's first page as the console opens it (console/src/pages/UsersPage.tsx,
 * FIRST_USERS_QUERY): the two must be equal, or the preload below is fetched for nothing (the browser test checks).
 */
export const FIRST_USERS_QUERY = 'limit=25';

/**
 * What a console page's first render will fetch from /console/api, told to the browser with the page (Link
 * rel=preload) so the requests run while the code downloads and parses instead of after: the users list's first page
 * and the tenants (the session is preloaded by index.html itself). Only GETs the page makes anyway, under the same
 * session cookie: a preload answers nothing the page would not be answered.
 */
export function firstLoadPreloads(url: string): string[] {
  // Tenant ids and slugs only: nothing else of the URL reaches the header.
  const users = /^\/console\/tenants\/([A-Za-z0-9_-]{1,64})\/users\/?(?:\?|$)/.exec(url);
  if (!users) return [];
  return [`${CONSOLE_PATH}/api/tenants`, `${CONSOLE_PATH}/api/tenants/${users[1]}/users?${FIRST_USERS_QUERY}`];
}

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

function consoleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = toAppError(error);
  logIfServerError(request, error, mapped);
  return sendProblem(reply, request, mapped);
}

/**
 * The admin web console: the SPA's built assets at /console (hashed assets cached for a year, index.html never) and
 * its API at /console/api behind the operator session cookie. When the build is missing (`npm start` builds it;
 * tests that do not need it skip the build) /console says so and the API still works.
 */
export async function registerConsole(app: FastifyInstance, registry: Registry, options: { distDir?: string } = {}): Promise<void> {
  const distDir = options.distDir ?? CONSOLE_DIST;
  await app.register(
    async (api) => {
      // The console API is the SPA's, not a public contract: kept out of /openapi.json (and the committed documents).
      api.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, hide: true };
      });
      await api.register(fastifyCookie);
      api.decorateRequest('principal', null as never);
      api.removeContentTypeParser('text/plain');
      api.addHook('onRequest', async (request) => authenticateConsole(registry, request));
      api.addHook('onSend', (_request, reply, payload, done) => {
        securityHeaders(reply);
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        done(null, payload);
      });
      api.setErrorHandler(consoleError);
      api.setNotFoundHandler((request, reply) =>
        sendProblem(reply, request, new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
      );
      await api.register(consoleSessionRoutes, { registry: pickServices(registry, 'operators', 'config') });
      await api.register(consoleTenantsRoutes, { registry: pickServices(registry, 'tenants', 'brands', 'apiKeys') });
      await api.register(consoleUsersRoutes, {
        registry: pickServices(registry, 'tenants', 'userChanges', 'usersQuery', 'usersLifecycle', 'userData', 'sessions', 'events'),
      });
      await api.register(consolePlansRoutes, { registry: pickServices(registry, 'tenants', 'plans', 'userPlans', 'userChanges') });
      await api.register(consoleDirectoryRoutes, { registry: pickServices(registry, 'tenants', 'attributes', 'roles') });
      await api.register(consoleGroupsRoutes, {
        registry: pickServices(registry, 'tenants', 'groups', 'groupMembers', 'companies', 'companyMembers'),
      });
      await api.register(consoleWebhooksRoutes, { registry: pickServices(registry, 'tenants', 'webhooks') });
      await api.register(consoleImportsRoutes, { registry: pickServices(registry, 'tenants', 'imports') });
      await api.register(consoleOverviewRoutes, { registry: pickServices(registry, 'tenants', 'overview') });
      await api.register(consoleProvidersRoutes, { registry: pickServices(registry, 'tenants', 'providers') });
    },
    { prefix: `${CONSOLE_PATH}/api` },
  );

  await app.register(async (site) => {
    site.addHook('onSend', (_request, reply, payload, done) => {
      securityHeaders(reply);
      done(null, payload);
    });
    const indexFile = join(distDir, 'index.html');
    const built = existsSync(indexFile);
    if (built) {
      await site.register(fastifyStatic, {
        root: join(distDir, 'assets'),
        prefix: `${CONSOLE_PATH}/assets/`,
        // File names carry a content hash: a changed file is a new URL.
        maxAge: '365d',
        immutable: true,
        // The build writes .br and .gz next to each asset (scripts/build.mjs).
        preCompressed: true,
        index: false,
        wildcard: true,
      });
    }
    // index.html is read per request: a rebuild while the server runs is picked up without a restart.
    const page = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!built && !existsSync(indexFile)) {
        return reply
          .code(503)
          .header('cache-control', 'no-store')
          .type('text/plain; charset=utf-8')
          .send('The console is not built: run `npm run build:console` (npm start builds it when it is missing or stale).');
      }
      const preloads = firstLoadPreloads(request.url);
      if (preloads.length > 0) reply.header('link', preloads.map((url) => `<${url}>; rel=preload; as=fetch; crossorigin`).join(', '));
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(readFileSync(indexFile));
    };
    site.get(CONSOLE_PATH, { schema: { hide: true } }, page);
    // Client-side routes (/console/users/…): every path below /console that is no asset is the SPA.
    site.get(`${CONSOLE_PATH}/*`, { schema: { hide: true } }, page);
  });
}
