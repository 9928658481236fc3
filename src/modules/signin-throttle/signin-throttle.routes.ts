import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import { adminActor } from '../../http/auth.ts';
import type { Registry } from '../../registry.ts';

/** What these routes use of the registry. */
export type SigninThrottleRoutesDeps = Pick<Registry, 'signinUnlock'>;

/** Platform admin: lift sign-in blocks. Authorized by the admin token. */
export async function signinThrottleRoutes(fastify: FastifyInstance, { registry }: { registry: SigninThrottleRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { signinUnlock } = registry;
  const tags = ['admin'];
  const config = { auth: 'admin' as const };

  app.post(
    '/admin/tenants/:id/users/:user/unlock',
    {
      config,
      schema: {
        tags,
        operationId: 'unlockUserSignIn',
        summary: 'Lift the sign-in blocks of a user (by id or external id): their email, phone and external id',
        params: Type.Object({ id: Type.String({ maxLength: 64 }), user: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await signinUnlock.unlockUser(request.params.id, request.params.user, adminActor(request));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/admin/tenants/:id/signin-blocks',
    {
      config,
      schema: {
        tags,
        operationId: 'liftSignInBlock',
        summary: 'Lift the sign-in block of a client IP address (IPv6: its /64)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ ip: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await signinUnlock.unlockIp(request.params.id, request.query.ip, adminActor(request));
      return reply.code(204).send(null);
    },
  );
}
