import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { CONSOLE_DIST, CONSOLE_PATH, registerConsole } from './console/console.ts';
import { warmConsole } from './console/console-warm-up.ts';
import { AppError } from './core/errors.ts';
import { ProblemSchema } from './core/schemas.ts';
import { rosterVersion } from './core/version.ts';
import { isDatabaseReachable } from './db/database.ts';
import { databaseUnavailable } from './db/errors.ts';
import { dialectErrorSenderFor, registerDialects } from './dialects/index.ts';
import { authenticateAdmin, authenticateKey } from './http/auth.ts';
import { registerDocs } from './http/docs.ts';
import { logIfServerError, toAppError } from './http/errors.ts';
import { registerIdempotency } from './http/idempotency.ts';
import { lazySerializerFactory } from './http/lazy-compilers.ts';
import { loggerOptions } from './http/logger.ts';
import { methodNotAllowed, recordRoutes } from './http/method-not-allowed.ts';
import { registerMetrics } from './http/metrics.ts';
import { sendProblem } from './http/problem.ts';
import { registerRateLimit } from './http/rate-limit.ts';
import { capConnections, serverTimeoutOptions } from './http/server-limits.ts';
import { guardUnvalidatedBodies, lazyValidators } from './http/validation.ts';
import { adminRoutes } from './modules/admin/admin.routes.ts';
import { attributesRoutes } from './modules/attributes/attributes.routes.ts';
import { companiesRoutes } from './modules/companies/companies.routes.ts';
import { CompanySchema } from './modules/companies/companies.schemas.ts';
import { eventsRoutes } from './modules/events/events.routes.ts';
import { groupsRoutes } from './modules/groups/groups.routes.ts';
import { GroupSchema } from './modules/groups/groups.schemas.ts';
import { importsRoutes } from './modules/imports/imports.routes.ts';
import { plansRoutes } from './modules/plans/plans.routes.ts';
import { PlanSchema } from './modules/plans/plans.schemas.ts';
import { providersRoutes } from './modules/providers/providers.routes.ts';
import { rolesRoutes } from './modules/roles/roles.routes.ts';
import { sessionsRoutes } from './modules/sessions/sessions.routes.ts';
import { signinThrottleRoutes } from './modules/signin-throttle/signin-throttle.routes.ts';
import { userDataRoutes } from './modules/users/user-data.routes.ts';
import { userExtrasRoutes } from './modules/users/user-extras.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { UserSchema } from './modules/users/users.schemas.ts';
import { usersExportRoutes } from './modules/users/users-export.routes.ts';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.ts';
import { pickServices, type Registry } from './registry.ts';
import { scimRoutes } from './scim/scim.routes.ts';
import { scimDocumentAdditions } from './scim/scim-openapi.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The one-off work a person's first request would wait for, done ahead (the console's first load: see
     * warmConsole). Call it once the server is ready, in the background. Never throws.
     */
    warmUp(): Promise<void>;
  }
}

export interface AppOptions {
  /** Serve /docs and /openapi.json (default true). */
  docs?: boolean;
  /** Pino destination stream, for tests that inspect logs. */
  logStream?: NodeJS.WritableStream;
  /**
   * Set while the server listens before its database is ready (PostgreSQL unreachable at start, migrations
   * running): until `ready`, /health answers 200, /ready 503, and every other route 503 DATABASE_UNAVAILABLE.
   */
  startup?: { readonly ready: boolean };
  /** Path of the admin web console, once one is served: GET / then points to it too. */
  consolePath?: string;
  /** Serve the admin web console and its API at /console (`distDir`: the built SPA, default console/dist). */
  console?: boolean | { distDir?: string };
}

/** 1 MiB: larger bodies are refused with 413. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Builds the HTTP application: an explicit, ordered list of plugins and route modules.
 */
export async function buildApp(registry: Registry, options: AppOptions = {}): Promise<FastifyInstance> {
  const logger = loggerOptions(registry.config.logLevel);
  const app = Fastify({
    logger: options.logStream && logger && typeof logger === 'object' ? { ...logger, stream: options.logStream } : logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => registry.ids.uuid(),
    return503OnClosing: true,
    ...serverTimeoutOptions(registry.config.http),
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory() as never } },
    // Errors raised before routing (a malformed percent-encoding in the path): a problem document, not Fastify's body.
    // Under a dialect's prefix, that dialect's envelope.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      const dialect = dialectErrorSenderFor(registry.config.dialects, request.url);
      if (dialect) dialect(error, request, reply);
      else sendProblem(reply, request, toAppError(error));
    },
  });
  capConnections(app.server, registry.config.http.maxConnections, app.log);
  // Before any route: a wrong method on a known path is told apart from an unknown path (405 with Allow, not 404).
  recordRoutes(app);
  const validators = lazyValidators();
  app.setValidatorCompiler(validators.compiler);
  guardUnvalidatedBodies(app);
  app.addSchema(ProblemSchema);
  app.addSchema(UserSchema);
  app.addSchema(CompanySchema);
  app.addSchema(PlanSchema);
  app.addSchema(GroupSchema);
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  const startup = options.startup;
  if (startup) {
    // First hook of every route: its error goes to the route's own error handler, so each API answers the 503
    // in its envelope. Callback style: once ready, it costs a request one property read.
    app.addHook('onRequest', (request, _reply, done) => {
      if (startup.ready) return done();
      const path = request.url.split('?')[0];
      done(path === '/health' || path === '/ready' ? undefined : databaseUnavailable('starting'));
    });
  }

  // Per-key rate limits for every route registered after this, native and dialects alike: it runs as a
  // preHandler, after whichever hook of the route's scope authenticated the key.
  await registerRateLimit(app, registry);

  // One access-log line per response, without query strings (they can hold emails and phones). Only hooked
  // when the level logs it: a hook that logs nothing still costs every request a promise.
  if ((app.log as unknown as Logger).isLevelEnabled('info')) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        { method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
      done();
    });
  }
  // Callback-style hooks: no promise per request on the hot path.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });

  // Before the routes of this context: a route keeps the error handler its context had when it was added.
  app.setErrorHandler((error, request, reply) => nativeError(error, request, reply));
  registerMetrics(app, registry);

  if (options.docs !== false) {
    // SCIM has a document of its own, as each dialect has: identity providers read it, not API clients.
    await registerDocs(app, [...registry.config.dialects, 'scim'], { scim: scimDocumentAdditions() });
  }

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const links = rootLinks({
      docs: options.docs !== false,
      consolePath: options.consolePath ?? (options.console ? '/console' : undefined),
    });
    // A browser gets a page it can click through; anything else gets JSON.
    if (prefersHtml(request.headers.accept)) return reply.type('text/html; charset=utf-8').send(rootPage(links));
    return { name: 'Roster', version: rosterVersion(), links };
  });

  app.get('/health', { schema: { tags: ['system'], operationId: 'getHealth', summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get(
    '/ready',
    { schema: { tags: ['system'], operationId: 'getReadiness', summary: 'Readiness: the database answers' } },
    async (_request, reply) => {
      const ok = (startup?.ready ?? true) && (await isDatabaseReachable(registry.db));
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', backend: registry.backend });
    },
  );

  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['sessions'], operationId: 'getJwks', summary: 'Public keys that verify access tokens (RFC 7517)' } },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await registry.signingKeys.jwks()),
  );

  await app.register(
    async (api) => {
      api.decorateRequest('ctx', null as never);
      // The native API speaks JSON only: without this, Fastify's default text/plain parser lets a text body through to validation.
      api.removeContentTypeParser('text/plain');
      api.addHook('onRequest', async (request: FastifyRequest) => {
        const config = request.routeOptions.config;
        if (config.auth === 'none') return;
        if (config.auth === 'admin') {
          await authenticateAdmin(registry, request);
          return;
        }
        request.ctx = await authenticateKey(registry, request, config.scope);
      });
      registerIdempotency(api, registry);
      api.setErrorHandler((error, request, reply) => nativeError(error, request, reply));
      await api.register(adminRoutes, { registry: pickServices(registry, 'tenants', 'brands', 'apiKeys') });
      await api.register(providersRoutes, { registry: pickServices(registry, 'tenants', 'providers') });
      await api.register(signinThrottleRoutes, { registry: pickServices(registry, 'signinUnlock') });
      await api.register(usersRoutes, {
        registry: pickServices(registry, 'userChanges', 'usersQuery', 'usersLifecycle', 'userData', 'providers'),
      });
      await api.register(usersExportRoutes, { registry: pickServices(registry, 'usersExport') });
      await api.register(importsRoutes, { registry: pickServices(registry, 'imports') });
      await api.register(userDataRoutes, { registry: pickServices(registry, 'userData') });
      await api.register(userExtrasRoutes, { registry: pickServices(registry, 'usersLifecycle') });
      await api.register(attributesRoutes, { registry: pickServices(registry, 'attributes') });
      await api.register(eventsRoutes, { registry: pickServices(registry, 'events') });
      await api.register(sessionsRoutes, { registry: pickServices(registry, 'sessions', 'adminAuth') });
      await api.register(companiesRoutes, { registry: pickServices(registry, 'companies', 'companyMembers') });
      await api.register(plansRoutes, { registry: pickServices(registry, 'plans', 'userPlans') });
      await api.register(groupsRoutes, { registry: pickServices(registry, 'groups', 'groupMembers') });
      await api.register(rolesRoutes, { registry: pickServices(registry, 'roles') });
      await api.register(webhooksRoutes, { registry: pickServices(registry, 'webhooks') });
    },
    { prefix: '/v1' },
  );

  await registerDialects(app, registry);
  await app.register(scimRoutes, {
    prefix: '/scim/v2',
    registry: pickServices(
      registry,
      'apiKeys',
      'adminAuth',
      'userChanges',
      'userTransforms',
      'usersQuery',
      'userData',
      'attributes',
      'groups',
      'groupMembers',
    ),
  });

  const consoleOptions = typeof options.console === 'object' ? options.console : {};
  if (options.console) await registerConsole(app, registry, consoleOptions);
  app.decorate('warmUp', async () => {
    if (options.console)
      await warmConsole(app, registry, validators, { prefix: CONSOLE_PATH, distDir: consoleOptions.distDir ?? CONSOLE_DIST });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      methodNotAllowed(request, reply) ?? new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
  return app;
}

/** Where GET / points: the API reference when served, the console when there is one, the probes. */
function rootLinks(options: { docs: boolean; consolePath?: string }): Record<string, string> {
  return {
    ...(options.docs ? { docs: '/docs', openapi: '/openapi.json' } : {}),
    ...(options.consolePath ? { console: options.consolePath } : {}),
    health: '/health',
    ready: '/ready',
  };
}

// Browsers send text/html first; API clients send JSON, */* or nothing.
function prefersHtml(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.trimStart().startsWith('text/html');
}

function rootPage(links: Record<string, string>): string {
  const items = Object.entries(links)
    .map(([name, href]) => `<li><a href="${href}">${name}</a> <code>${href}</code></li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roster</title></head><body><h1>Roster ${rosterVersion()}</h1><p>A multi-tenant user directory. Start with the API reference.</p><ul>${items}</ul></body></html>`;
}

function nativeError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = toAppError(error);
  logIfServerError(request, error, mapped);
  return sendProblem(reply, request, mapped);
}
