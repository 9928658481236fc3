import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pickServices, type Registry } from '../registry.ts';
import type { DialectName } from './dialects.ts';
import { sendNavigaError } from './naviga/naviga.errors.ts';
import { navigaDialect } from './naviga/naviga.routes.ts';
import { sendPublicaLaError } from './publicala/publicala.errors.ts';
import { PUBLICALA_PREFIX, publicalaDialect } from './publicala/publicala.routes.ts';
import { sendTagMangoError } from './tagmango/tagmango.errors.ts';
import { TAGMANGO_PREFIX, tagmangoDialect } from './tagmango/tagmango.routes.ts';
import { thanxDialect } from './thanx/thanx.routes.ts';
import { sendUserComError } from './usercom/usercom.errors.ts';
import { USERCOM_PREFIX, usercomDialect } from './usercom/usercom.routes.ts';

/** Each dialect plugin with the services it declares it uses, and only those. */
const DIALECTS: Record<DialectName, (app: FastifyInstance, registry: Registry) => Promise<void>> = {
  tagmango: async (app, registry) => {
    await app.register(tagmangoDialect, {
      registry: pickServices(registry, 'apiKeys', 'adminAuth', 'tenants', 'userChanges', 'usersQuery', 'sessions'),
    });
  },
  thanx: async (app, registry) => {
    await app.register(thanxDialect, { registry: pickServices(registry, 'apiKeys', 'adminAuth', 'signUps', 'clock') });
  },
  publicala: async (app, registry) => {
    const keys = ['apiKeys', 'adminAuth', 'clock', 'userChanges', 'usersQuery', 'usersLifecycle', 'userPlans', 'sessions'] as const;
    await app.register(publicalaDialect, { registry: pickServices(registry, ...keys) });
  },
  usercom: async (app, registry) => {
    await app.register(usercomDialect, {
      registry: pickServices(registry, 'apiKeys', 'adminAuth', 'attributes', 'userChanges', 'usersQuery'),
    });
  },
  naviga: async (app, registry) => {
    await app.register(navigaDialect, {
      registry: pickServices(registry, 'apiKeys', 'adminAuth', 'tenants', 'brands', 'providers', 'clock', 'secretKeys'),
    });
  },
};

/**
 * Mounts the configured vendor APIs. Each is an encapsulated plugin at its vendor's paths, with its own
 * auth, body parsers and error envelope; all call the same core services as /v1.
 */
export async function registerDialects(app: FastifyInstance, registry: Registry): Promise<void> {
  for (const name of registry.config.dialects) await DIALECTS[name](app, registry);
}

type ErrorSender = (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** The dialects served under a path prefix, with their error handlers (Thanx has no prefix: only `/users` itself). */
const PREFIXED: { name: DialectName; prefix: string; send: ErrorSender }[] = [
  { name: 'naviga', prefix: '/v4', send: sendNavigaError },
  { name: 'publicala', prefix: PUBLICALA_PREFIX, send: sendPublicaLaError },
  { name: 'tagmango', prefix: TAGMANGO_PREFIX, send: (error, request, reply) => sendTagMangoError(reply, request, error) },
  { name: 'usercom', prefix: USERCOM_PREFIX, send: sendUserComError },
];

/**
 * The error handler of the configured dialect whose prefix `url` is under, or null for a native path. For errors
 * raised before routing (a malformed percent-encoding in the path), which no dialect plugin's own handler sees.
 */
export function dialectErrorSenderFor(dialects: readonly DialectName[], url: string): ErrorSender | null {
  const path = url.split('?')[0] ?? '';
  for (const { name, prefix, send } of PREFIXED) {
    if (dialects.includes(name) && (path === prefix || path.startsWith(`${prefix}/`))) return send;
  }
  return null;
}
