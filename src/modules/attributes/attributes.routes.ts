import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import { ATTRIBUTE_TYPES, type AttributeType } from './attributes.ts';

const DefinitionSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  searchable: Type.Boolean(),
  unique: Type.Boolean(),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

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
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            type: Type.Union(ATTRIBUTE_TYPES.map((t) => Type.Literal(t))),
            searchable: Type.Optional(Type.Boolean()),
            unique: Type.Optional(Type.Boolean()),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 201: DefinitionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        name: string;
        type: AttributeType;
        searchable?: boolean;
        unique?: boolean;
        description?: string | null;
      };
      return reply.code(201).send(await registry.attributes.defineAttribute(request.ctx, body));
    },
  );
}
