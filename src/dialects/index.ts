import type { FastifyInstance } from 'fastify';
import { pickServices, type Registry } from '../registry.ts';
import type { DialectName } from './dialects.ts';
import { navigaDialect } from './naviga/naviga.routes.ts';
import { publicalaDialect } from './publicala/publicala.routes.ts';
import { tagmangoDialect } from './tagmango/tagmango.routes.ts';
import { thanxDialect } from './thanx/thanx.routes.ts';
import { usercomDialect } from './usercom/usercom.routes.ts';

/** Each dialect plugin with the services it declares it uses, and only those. */
const DIALECTS: Record<DialectName, (app: FastifyInstance, registry: Registry) => Promise<void>> = {
  tagmango: async (app, registry) => {
    await app.register(tagmangoDialect, {
      registry: pickServices(registry, 'apiKeys', 'tenants', 'userChanges', 'usersQuery', 'sessions'),
    });
  },
  thanx: async (app, registry) => {
    await app.register(thanxDialect, { registry: pickServices(registry, 'apiKeys', 'signUps', 'clock') });
  },
  publicala: async (app, registry) => {
    const keys = ['apiKeys', 'clock', 'userChanges', 'usersQuery', 'usersLifecycle', 'userPlans', 'sessions'] as const;
    await app.register(publicalaDialect, { registry: pickServices(registry, ...keys) });
  },
  usercom: async (app, registry) => {
    await app.register(usercomDialect, { registry: pickServices(registry, 'apiKeys', 'attributes', 'userChanges', 'usersQuery') });
  },
  naviga: async (app, registry) => {
    await app.register(navigaDialect, { registry: pickServices(registry, 'apiKeys', 'tenants', 'brands', 'providers', 'clock', 'config') });
  },
};

/**
 * Mounts the configured vendor APIs. Each is an encapsulated plugin at its vendor's paths, with its own
 * auth, body parsers and error envelope; all call the same core services as /v1.
 */
export async function registerDialects(app: FastifyInstance, registry: Registry): Promise<void> {
  for (const name of registry.config.dialects) await DIALECTS[name](app, registry);
}
