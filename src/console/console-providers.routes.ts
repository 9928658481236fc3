import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ProviderCreateSchema, ProviderUpdateSchema } from '../modules/providers/providers.schemas.ts';
import type { Registry } from '../registry.ts';
import { consoleActor, tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleProvidersRoutesDeps = Pick<Registry, 'tenants' | 'providers'>;

const TenantId = Type.String({ minLength: 1, maxLength: 64 });
const TenantParams = Type.Object({ tenantId: TenantId });
const ProviderParams = Type.Object({ tenantId: TenantId, providerId: Type.String({ maxLength: 64 }) });

/** A tenant's upstream identity providers: list, create, edit, delete, and a test lookup by email (the merged view). */
export async function consoleProvidersRoutes(
  fastify: FastifyInstance,
  { registry }: { registry: ConsoleProvidersRoutesDeps },
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { providers } = registry;

  app.get('/tenants/:tenantId/providers', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await providers.listProviders(ctx.tenantId) };
  });

  app.post('/tenants/:tenantId/providers', { schema: { params: TenantParams, body: ProviderCreateSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(201).send(await providers.createProvider(ctx.tenantId, request.body, consoleActor(request)));
  });

  app.patch(
    '/tenants/:tenantId/providers/:providerId',
    { schema: { params: ProviderParams, body: ProviderUpdateSchema } },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return providers.updateProvider(ctx.tenantId, request.params.providerId, request.body, consoleActor(request));
    },
  );

  app.delete('/tenants/:tenantId/providers/:providerId', { schema: { params: ProviderParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await providers.deleteProvider(ctx.tenantId, request.params.providerId, consoleActor(request));
    return reply.code(204).send();
  });

  app.get(
    '/tenants/:tenantId/users/:id/identities',
    { schema: { params: Type.Object({ tenantId: TenantId, id: Type.String({ format: 'uuid' }) }) } },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return { data: await providers.listUserIdentities(ctx.tenantId, request.params.id) };
    },
  );

  // A test lookup answers whatever the provider said (not_found, unavailable) instead of a 404: that is the test.
  app.get(
    '/tenants/:tenantId/providers-lookup',
    { schema: { params: TenantParams, querystring: Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }) } },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      const { local, ...rest } = await providers.lookupMerged(ctx, { email: request.query.email }, { log: request.log });
      return { user: local, ...rest };
    },
  );
}
