import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError, invalidField } from '../../core/errors.ts';
import { errorResponses } from '../../core/schemas.ts';
import { expectedVersion, setEtag } from '../../http/etag.ts';
import type { Registry } from '../../registry.ts';
import type { UserChange } from '../../use-cases/user-change.ts';
import { hasPassword, splitPassword } from '../credentials/credentials.service.ts';
import { MergedLookupSchema } from '../providers/providers.schemas.ts';
import {
  CreatedUserSchema,
  ExternalIdParams,
  LookupQuerySchema,
  UserIdParams,
  UserInputSchema,
  UserListQuerySchema,
  UserPageSchema,
  UserWriteSchema,
} from './users.schemas.ts';
import type { UserWrite } from './users.service.ts';
import type { UserView } from './users.ts';

/** What the native users routes use of the registry. */
export type UsersRoutesDeps = Pick<Registry, 'userChanges' | 'usersQuery' | 'usersLifecycle' | 'userData' | 'providers'>;

/** A native user body as one change: the profile (merge patch) and, when sent, the credential. */
function toUserChange(body: UserWrite): UserChange {
  const { password, profile } = splitPassword(body);
  return hasPassword(password) ? { profile, credential: password } : { profile };
}

const tags = ['users'];
const userRef = Type.Ref('User');

/** The native users API under /v1/users. */
export async function usersRoutes(fastify: FastifyInstance, { registry }: { registry: UsersRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { userChanges, usersQuery, usersLifecycle } = registry;
  const withEtag = <T extends UserView>(reply: { header(n: string, v: string): unknown }, user: T): T => {
    setEtag(reply as never, user.version);
    return user;
  };

  app.post(
    '/users',
    {
      config: { scope: 'users:write', idempotent: true },
      schema: {
        tags,
        operationId: 'createUser',
        summary: 'Create a user',
        body: UserWriteSchema,
        response: { 201: userRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user } = await userChanges.applyUserChange(request.ctx, { kind: 'create' }, toUserChange(request.body as UserWrite));
      reply.code(201).header('location', `/v1/users/${user.id}`);
      return withEtag(reply, user);
    },
  );

  app.post(
    '/users/find-or-create',
    {
      config: { scope: 'users:write', idempotent: true },
      schema: {
        tags,
        operationId: 'findOrCreateUser',
        summary: 'Find a user by email or phone, or create one',
        body: UserInputSchema,
        response: { 200: CreatedUserSchema, 201: CreatedUserSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { created, user } = await userChanges.applyUserChange(
        request.ctx,
        { kind: 'find-or-create' },
        {
          profile: request.body,
        },
      );
      setEtag(reply, user.version);
      return reply.code(created ? 201 : 200).send({ created, user });
    },
  );

  app.put(
    '/users/by-external-id/:externalId',
    {
      config: { scope: 'users:write' },
      schema: {
        tags,
        operationId: 'upsertUserByExternalId',
        summary: 'Create or update the user with this external id',
        params: ExternalIdParams,
        body: UserWriteSchema,
        response: { 200: CreatedUserSchema, 201: CreatedUserSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const target = { kind: 'upsert', externalId: request.params.externalId } as const;
      const { created, user } = await userChanges.applyUserChange(request.ctx, target, toUserChange(request.body as UserWrite));
      setEtag(reply, user.version);
      return reply.code(created ? 201 : 200).send({ created, user });
    },
  );

  app.get(
    '/users/by-external-id/:externalId',
    {
      config: { scope: 'users:read' },
      schema: {
        tags,
        operationId: 'getUserByExternalId',
        summary: 'Get a user by external id',
        params: ExternalIdParams,
        response: { 200: userRef, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await usersQuery.getUserByExternalId(request.ctx, request.params.externalId)),
  );

  app.get(
    '/users/lookup',
    {
      config: { scope: 'users:read' },
      schema: {
        tags,
        operationId: 'lookupUser',
        summary: 'Find the user holding an email and/or a phone; withProvider=true merges the upstream identity provider',
        querystring: LookupQuerySchema,
        response: { 200: Type.Union([userRef, MergedLookupSchema]), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { withProvider, ...query } = request.query;
      if (!withProvider) return withEtag(reply, await usersQuery.lookupUser(request.ctx, query));
      if (query.email === undefined || query.phone !== undefined) {
        throw invalidField('email', 'withProvider looks up by email only', 'required', 'INVALID_PARAMETER');
      }
      const result = await registry.providers.lookupMerged(request.ctx, { email: query.email }, { log: request.log });
      if (!result.merged) throw new AppError('USER_NOT_FOUND', 'User not found', { providerStatus: result.providerStatus });
      const { local, ...rest } = result;
      return { user: local, ...rest };
    },
  );

  app.get(
    '/users',
    {
      config: { scope: 'users:read' },
      schema: {
        tags,
        operationId: 'listUsers',
        summary: 'List and search users',
        querystring: UserListQuerySchema,
        response: { 200: UserPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(query)) {
        if (key.startsWith('attributes.')) attributes[key.slice('attributes.'.length)] = String(value);
      }
      return usersQuery.listUsers(request.ctx, { ...request.query, attributes });
    },
  );

  app.get(
    '/users/:id',
    {
      config: { scope: 'users:read' },
      schema: { tags, operationId: 'getUser', summary: 'Get a user', params: UserIdParams, response: { 200: userRef, ...errorResponses } },
    },
    async (request, reply) => withEtag(reply, await usersQuery.getUser(request.ctx, request.params.id)),
  );

  app.patch(
    '/users/:id',
    {
      config: { scope: 'users:write' },
      schema: {
        tags,
        operationId: 'updateUser',
        summary: 'Update a user (JSON merge patch; If-Match for optimistic locking)',
        params: UserIdParams,
        body: UserWriteSchema,
        response: { 200: userRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const target = { kind: 'id', id: request.params.id, expectedVersion: expectedVersion(request) } as const;
      const { user } = await userChanges.applyUserChange(request.ctx, target, toUserChange(request.body as UserWrite));
      return withEtag(reply, user);
    },
  );

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(
      `/users/:id/${action}`,
      {
        config: { scope: 'users:write', idempotent: true },
        schema: {
          tags,
          operationId: `${action}User`,
          summary: `${action === 'deactivate' ? 'Deactivate' : 'Reactivate'} a user (idempotent)`,
          params: UserIdParams,
          response: { 200: userRef, ...errorResponses },
        },
      },
      async (request, reply) => {
        const user =
          action === 'deactivate'
            ? await usersLifecycle.deactivateUser(request.ctx, request.params.id)
            : await usersLifecycle.reactivateUser(request.ctx, request.params.id);
        return withEtag(reply, user);
      },
    );
  }

  app.delete(
    '/users/:id',
    {
      config: { scope: 'users:erase' },
      schema: {
        tags,
        operationId: 'eraseUser',
        summary: 'Erase a user’s personal data (keeps an anonymous tombstone)',
        params: UserIdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await registry.userData.eraseUser(request.ctx, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
