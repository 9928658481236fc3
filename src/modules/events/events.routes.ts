import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import { EventSchema } from './events.schemas.ts';

const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()]);

/** What these routes use of the registry. */
export type EventsRoutesDeps = Pick<Registry, 'events'>;

/** The tenant's event feed. */
export async function eventsRoutes(fastify: FastifyInstance, { registry }: { registry: EventsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/events',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'Page through events in order',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ maxLength: 512 })),
            type: Type.Optional(Type.String({ maxLength: 64 })),
            types: Type.Optional(
              Type.String({ maxLength: 1024, description: 'Comma-separated types and wildcards, e.g. `user.*,session.revoked`' }),
            ),
            userId: Type.Optional(Type.String({ format: 'uuid' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(EventSchema), nextCursor: Nullable(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => registry.events.list(request.ctx, request.query),
  );
}
