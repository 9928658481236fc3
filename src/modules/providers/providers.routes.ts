import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import { adminActor } from '../../http/auth.ts';
import type { Registry } from '../../registry.ts';
import { ProviderCreateSchema, ProviderParams, ProviderSchema, ProviderUpdateSchema } from './providers.schemas.ts';

const TenantParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** What these routes use of the registry. */
export type ProvidersRoutesDeps = Pick<Registry, 'tenants' | 'providers'>;

/** Admin CRUD of a tenant's upstream identity providers under /v1/admin/tenants/{id}/providers. */
export async function providersRoutes(fastify: FastifyInstance, { registry }: { registry: ProvidersRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { tenants, providers } = registry;
  const tags = ['admin'];
  const config = { auth: 'admin' as const };
  const tenantId = async (ref: string) => (await tenants.resolveTenant(ref)).id;

  app.post(
    '/admin/tenants/:id/providers',
    {
      config,
      schema: {
        tags,
        operationId: 'createProvider',
        summary: 'Configure an upstream identity provider (credentials are stored encrypted and never returned)',
        params: TenantParams,
        body: ProviderCreateSchema,
        response: { 201: ProviderSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await providers.createProvider(await tenantId(request.params.id), request.body, adminActor(request))),
  );

  app.get(
    '/admin/tenants/:id/providers',
    {
      config,
      schema: {
        tags,
        operationId: 'listProviders',
        summary: 'List a tenant’s identity providers',
        params: TenantParams,
        response: { 200: Type.Object({ data: Type.Array(ProviderSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await providers.listProviders(await tenantId(request.params.id)) }),
  );

  app.get(
    '/admin/tenants/:id/providers/:providerId',
    {
      config,
      schema: {
        tags,
        operationId: 'getProvider',
        summary: 'Get an identity provider (by id or name)',
        params: ProviderParams,
        response: { 200: ProviderSchema, ...errorResponses },
      },
    },
    async (request) => providers.getProvider(await tenantId(request.params.id), request.params.providerId),
  );

  app.patch(
    '/admin/tenants/:id/providers/:providerId',
    {
      config,
      schema: {
        tags,
        operationId: 'updateProvider',
        summary: 'Change an identity provider; credentials given replace the stored ones',
        params: ProviderParams,
        body: ProviderUpdateSchema,
        response: { 200: ProviderSchema, ...errorResponses },
      },
    },
    async (request) =>
      providers.updateProvider(await tenantId(request.params.id), request.params.providerId, request.body, adminActor(request)),
  );

  app.delete(
    '/admin/tenants/:id/providers/:providerId',
    {
      config,
      schema: {
        tags,
        operationId: 'deleteProvider',
        summary: 'Delete an identity provider and its users’ links',
        params: ProviderParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await providers.deleteProvider(await tenantId(request.params.id), request.params.providerId, adminActor(request));
      return reply.code(204).send(null);
    },
  );
}
