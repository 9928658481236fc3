import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { OVERVIEW_MAX_DAYS } from '../modules/overview/overview.service.ts';
import type { Registry } from '../registry.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleOverviewRoutesDeps = Pick<Registry, 'tenants' | 'overview'>;

/** A tenant's activity per day for the overview charts. */
export async function consoleOverviewRoutes(
  fastify: FastifyInstance,
  { registry }: { registry: ConsoleOverviewRoutesDeps },
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/tenants/:tenantId/overview',
    {
      schema: {
        params: Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: OVERVIEW_MAX_DAYS, default: 30 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return registry.overview.tenantOverview(ctx, request.query.days ?? 30);
    },
  );
}
