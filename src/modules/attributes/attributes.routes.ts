import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import { DefinitionInputSchema, DefinitionSchema } from './attributes.schemas.ts';

/** What these routes use of the registry. */
export type AttributesRoutesDeps = Pick<Registry, 'attributes'>;

/** A tenant's custom attribute schema. */
export async function attributesRoutes(fastify: FastifyInstance, { registry }: { registry: AttributesRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['attributes'];

  app.get(
    '/attribute-definitions',
    {
      config: { scope: 'attributes:read' },
      schema: {
        tags,
        operationId: 'listAttributeDefinitions',
        summary: 'List attribute definitions',
        response: { 200: Type.Object({ data: Type.Array(DefinitionSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await registry.attributes.listDefinitions(request.ctx) }),
  );

  app.post(
    '/attribute-definitions',
    {
      config: { scope: 'attributes:write', idempotent: true },
      schema: {
        tags,
        operationId: 'defineAttribute',
        summary: 'Define a custom attribute',
        body: DefinitionInputSchema,
        response: { 201: DefinitionSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await registry.attributes.defineAttribute(request.ctx, request.body)),
  );
}
