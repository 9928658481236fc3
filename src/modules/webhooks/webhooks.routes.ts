import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import {
  DeliverySchema,
  ReplaySchema,
  RotatedSecretSchema,
  WebhookCreateSchema,
  WebhookParams,
  WebhookPatchSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './webhooks.schemas.ts';

const tags = ['webhooks'];

/** What these routes use of the registry. */
export type WebhooksRoutesDeps = Pick<Registry, 'webhooks'>;

/** The tenant's webhook endpoints, their secrets, replay and delivery log. */
export async function webhooksRoutes(fastify: FastifyInstance, { registry }: { registry: WebhooksRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks } = registry;
  const read = { scope: 'webhooks:read' } as const;
  const write = { scope: 'webhooks:write' } as const;

  app.post(
    '/webhooks',
    {
      config: { ...write, idempotent: true },
      schema: {
        tags,
        operationId: 'createWebhook',
        summary: 'Add a webhook endpoint; the answer holds its signing secret, shown only now',
        body: WebhookCreateSchema,
        response: { 201: WebhookWithSecretSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await webhooks.createEndpoint(request.ctx, request.body)),
  );

  app.get(
    '/webhooks',
    {
      config: read,
      schema: {
        tags,
        operationId: 'listWebhooks',
        summary: 'List webhook endpoints',
        response: { 200: Type.Object({ data: Type.Array(WebhookSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await webhooks.listEndpoints(request.ctx) }),
  );

  app.get(
    '/webhooks/:id',
    {
      config: read,
      schema: {
        tags,
        operationId: 'getWebhook',
        summary: 'Read a webhook endpoint with its delivery figures',
        params: WebhookParams,
        response: { 200: WebhookSchema, ...errorResponses },
      },
    },
    async (request) => webhooks.getEndpoint(request.ctx, request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: write,
      schema: {
        tags,
        operationId: 'updateWebhook',
        summary: 'Change a webhook endpoint',
        params: WebhookParams,
        body: WebhookPatchSchema,
        response: { 200: WebhookSchema, ...errorResponses },
      },
    },
    async (request) => webhooks.updateEndpoint(request.ctx, request.params.id, request.body),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: write,
      schema: {
        tags,
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook endpoint',
        params: WebhookParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await webhooks.deleteEndpoint(request.ctx, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: write,
      schema: {
        tags,
        operationId: 'rotateWebhookSecret',
        summary: 'Replace the signing secret; the old one keeps signing next to it for 24 h',
        params: WebhookParams,
        response: { 200: RotatedSecretSchema, ...errorResponses },
      },
    },
    async (request) => webhooks.rotateSecret(request.ctx, request.params.id),
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: write,
      schema: {
        tags,
        operationId: 'testWebhook',
        summary: 'Send a webhook.test event to this endpoint now',
        params: WebhookParams,
        response: { 202: Type.Object({ eventId: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.sendTest(request.ctx, request.params.id)),
  );

  app.post(
    '/webhooks/:id/replay',
    {
      config: write,
      schema: {
        tags,
        operationId: 'replayWebhook',
        summary: 'Queue delivered or failed events again (since a time, by id, only failed ones)',
        params: WebhookParams,
        body: ReplaySchema,
        response: { 202: Type.Object({ queued: Type.Integer() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.replay(request.ctx, request.params.id, request.body)),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: read,
      schema: {
        tags,
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log: every attempt, newest first',
        params: WebhookParams,
        querystring: Type.Object(
          {
            cursor: Type.Optional(Type.String({ maxLength: 512 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ data: Type.Array(DeliverySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => webhooks.listDeliveries(request.ctx, request.params.id, request.query),
  );
}
