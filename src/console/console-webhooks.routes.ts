import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ReplaySchema, WebhookCreateSchema, WebhookPatchSchema } from '../modules/webhooks/webhooks.schemas.ts';
import type { Registry } from '../registry.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleWebhooksRoutesDeps = Pick<Registry, 'tenants' | 'webhooks'>;

const TenantId = Type.String({ minLength: 1, maxLength: 64 });
const TenantParams = Type.Object({ tenantId: TenantId });
const EndpointParams = Type.Object({ tenantId: TenantId, id: Type.String({ format: 'uuid' }) });

/**
 * A tenant's webhook endpoints: list, create (the secret shown once), edit, delete, rotate the secret (the new one shown
 * once), the delivery log, test and replay.
 */
export async function consoleWebhooksRoutes(
  fastify: FastifyInstance,
  { registry }: { registry: ConsoleWebhooksRoutesDeps },
): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks } = registry;

  app.get('/tenants/:tenantId/webhooks', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await webhooks.listEndpoints(ctx) };
  });

  app.post('/tenants/:tenantId/webhooks', { schema: { params: TenantParams, body: WebhookCreateSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(201).send(await webhooks.createEndpoint(ctx, request.body));
  });

  app.get('/tenants/:tenantId/webhooks/:id', { schema: { params: EndpointParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return webhooks.getEndpoint(ctx, request.params.id);
  });

  app.patch('/tenants/:tenantId/webhooks/:id', { schema: { params: EndpointParams, body: WebhookPatchSchema } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return webhooks.updateEndpoint(ctx, request.params.id, request.body);
  });

  app.delete('/tenants/:tenantId/webhooks/:id', { schema: { params: EndpointParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await webhooks.deleteEndpoint(ctx, request.params.id);
    return reply.code(204).send();
  });

  // The new secret is in the answer, once: never cached.
  app.post('/tenants/:tenantId/webhooks/:id/rotate-secret', { schema: { params: EndpointParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.header('cache-control', 'no-store').send(await webhooks.rotateSecret(ctx, request.params.id));
  });

  app.get(
    '/tenants/:tenantId/webhooks/:id/deliveries',
    { schema: { params: EndpointParams, querystring: Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 512 })) }) } },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return webhooks.listDeliveries(ctx, request.params.id, { ...request.query, limit: 50 });
    },
  );

  app.post('/tenants/:tenantId/webhooks/:id/test', { schema: { params: EndpointParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(202).send(await webhooks.sendTest(ctx, request.params.id));
  });

  app.post('/tenants/:tenantId/webhooks/:id/replay', { schema: { params: EndpointParams, body: ReplaySchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(202).send(await webhooks.replay(ctx, request.params.id, request.body));
  });
}
