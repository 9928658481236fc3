import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import { RoleInputSchema, RoleParams, RoleSchema } from './roles.schemas.ts';

const tags = ['roles'];

/** What these routes use of the registry. */
export type RolesRoutesDeps = Pick<Registry, 'roles'>;

/** The tenant's role catalogue: built-in roles and the ones it defines. */
export async function rolesRoutes(fastify: FastifyInstance, { registry }: { registry: RolesRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { roles } = registry;

  app.get(
    '/roles',
    {
      config: { scope: 'users:read' },
      schema: {
        tags,
        operationId: 'listRoles',
        summary: 'List roles, built-in ones first',
        response: { 200: Type.Object({ data: Type.Array(RoleSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await roles.listRoles(request.ctx) }),
  );

  app.post(
    '/roles',
    {
      config: { scope: 'users:roles', idempotent: true },
      schema: {
        tags,
        operationId: 'createRole',
        summary: 'Define a role',
        body: RoleInputSchema,
        response: { 201: RoleSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await roles.defineRole(request.ctx, request.body)),
  );

  app.delete(
    '/roles/:name',
    {
      config: { scope: 'users:roles' },
      schema: {
        tags,
        operationId: 'deleteRole',
        summary: 'Delete a role; every user holding it loses it',
        params: RoleParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await roles.deleteRole(request.ctx, request.params.name);
      return reply.code(204).send(null);
    },
  );
}
