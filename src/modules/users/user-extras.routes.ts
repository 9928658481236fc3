import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Dictionary, errorResponses } from '../../core/schemas.ts';
import { expectedVersion, setEtag } from '../../http/etag.ts';
import type { Registry } from '../../registry.ts';

const userRef = Type.Ref('User');
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** What these routes use of the registry. */
export type UserExtrasRoutesDeps = Pick<Registry, 'usersLifecycle'>;

/** Custom attribute values and brand memberships of one user. */
export async function userExtrasRoutes(fastify: FastifyInstance, { registry }: { registry: UserExtrasRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { usersLifecycle } = registry;

  app.put(
    '/users/:id/attributes/:name',
    {
      config: { scope: 'users:write' },
      schema: {
        tags: ['attributes'],
        operationId: 'setUserAttribute',
        summary: 'Set one custom attribute (null removes it)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }), name: Type.String({ maxLength: 64 }) }),
        body: Type.Object({ value: Type.Unknown() }, { additionalProperties: false, required: ['value'] }),
        response: { 200: userRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as { value: unknown };
      const user = await usersLifecycle.setAttributes(
        request.ctx,
        request.params.id,
        { [request.params.name]: body.value ?? null },
        expectedVersion(request),
      );
      setEtag(reply, user.version);
      return user;
    },
  );

  app.patch(
    '/users/:id/attributes',
    {
      config: { scope: 'users:write' },
      schema: {
        tags: ['attributes'],
        operationId: 'setUserAttributes',
        summary: 'Set many custom attributes at once (null removes one)',
        params: IdParams,
        body: Dictionary(Type.Unknown(), { maxProperties: 200 }),
        response: { 200: userRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await usersLifecycle.setAttributes(
        request.ctx,
        request.params.id,
        request.body as Record<string, unknown>,
        expectedVersion(request),
      );
      setEtag(reply, user.version);
      return user;
    },
  );

  const BrandParams = Type.Object({ id: Type.String({ maxLength: 64 }), brandSlug: Type.String({ maxLength: 64 }) });

  app.put(
    '/users/:id/brands/:brandSlug',
    {
      config: { scope: 'users:write' },
      schema: {
        tags: ['brands'],
        operationId: 'joinBrand',
        summary: 'Join a brand',
        params: BrandParams,
        response: { 200: userRef, 201: userRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { joined, user } = await usersLifecycle.joinBrand(request.ctx, request.params.id, request.params.brandSlug);
      setEtag(reply, user.version);
      return reply.code(joined ? 201 : 200).send(user);
    },
  );

  app.delete(
    '/users/:id/brands/:brandSlug',
    {
      config: { scope: 'users:write' },
      schema: {
        tags: ['brands'],
        operationId: 'leaveBrand',
        summary: 'Leave a brand',
        params: BrandParams,
        response: { 200: userRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await usersLifecycle.leaveBrand(request.ctx, request.params.id, request.params.brandSlug);
      setEtag(reply, user.version);
      return user;
    },
  );
}
