import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import { UserExportSchema } from './user-data.schemas.ts';
import { UserIdParams } from './users.schemas.ts';

export type UserDataRoutesDeps = Pick<Registry, 'userData'>;

/** A user's data across every module: the export (erasure is `DELETE /v1/users/{id}`). */
export async function userDataRoutes(fastify: FastifyInstance, { registry }: { registry: UserDataRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/users/:id/export',
    {
      config: { scope: 'users:export' },
      schema: {
        tags: ['users'],
        operationId: 'exportUser',
        summary: 'Export everything held about a user (right of access, data portability)',
        params: UserIdParams,
        response: { 200: UserExportSchema, ...errorResponses },
      },
    },
    async (request) => registry.userData.exportUser(request.ctx, request.params.id),
  );
}
