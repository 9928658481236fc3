import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from '../registry.ts';
import type { DialectName } from './dialects.ts';
import { navigaDialect } from './naviga/naviga.routes.ts';
import { publicalaDialect } from './publicala/publicala.routes.ts';
import { tagmangoDialect } from './tagmango/tagmango.routes.ts';
import { thanxDialect } from './thanx/thanx.routes.ts';
import { usercomDialect } from './usercom/usercom.routes.ts';

const DIALECTS: Record<DialectName, FastifyPluginAsync<{ registry: Registry }>> = {
  tagmango: tagmangoDialect,
  thanx: thanxDialect,
  publicala: publicalaDialect,
  usercom: usercomDialect,
  naviga: navigaDialect,
};

/**
 * Mounts the configured vendor APIs. Each is an encapsulated plugin at its vendor's paths, with its own
 * auth, body parsers and error envelope; all call the same core services as /v1.
 */
export async function registerDialects(app: FastifyInstance, registry: Registry): Promise<void> {
  for (const name of registry.config.dialects) await app.register(DIALECTS[name], { registry });
}
