import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ATTRIBUTE_TYPES } from '../modules/attributes/attributes.ts';
import { RoleInputSchema } from '../modules/roles/roles.schemas.ts';
import type { RoleInput } from '../modules/roles/roles.ts';
import type { Registry } from '../registry.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleDirectoryRoutesDeps = Pick<Registry, 'tenants' | 'attributes' | 'roles'>;

const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }) });

/** A tenant's schema: custom attribute definitions and roles (list and create). */
export async function consoleDirectoryRoutes(
  fastify: FastifyInstance,
  { registry }: { registry: ConsoleDirectoryRoutesDeps },
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/tenants/:tenantId/attributes', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await registry.attributes.listDefinitions(ctx) };
  });

  app.post(
    '/tenants/:tenantId/attributes',
    {
      schema: {
        params: TenantParams,
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
      },
    },
    async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return reply.code(201).send(await registry.attributes.defineAttribute(ctx, request.body));
    },
  );

  app.get('/tenants/:tenantId/roles', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await registry.roles.listRoles(ctx) };
  });

  app.post('/tenants/:tenantId/roles', { schema: { params: TenantParams, body: RoleInputSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(201).send(await registry.roles.defineRole(ctx, request.body as RoleInput));
  });
}
