import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { expectedVersion, setEtag } from '../http/etag.ts';
import { hasPassword, splitPassword } from '../modules/credentials/credentials.service.ts';
import { UserListQuerySchema, UserWriteSchema } from '../modules/users/users.schemas.ts';
import type { UserWrite } from '../modules/users/users.service.ts';
import type { Registry } from '../registry.ts';
import type { UserChange } from '../use-cases/user-change.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleUsersRoutesDeps = Pick<
  Registry,
  'tenants' | 'userChanges' | 'usersQuery' | 'usersLifecycle' | 'userData' | 'sessions' | 'events'
>;

const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }) });
const UserParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }), id: Type.String({ format: 'uuid' }) });
const SessionParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }), sessionId: Type.String({ format: 'uuid' }) });
const BulkBody = Type.Object(
  {
    action: Type.Union([Type.Literal('deactivate'), Type.Literal('logout')]),
    ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);

function toUserChange(body: UserWrite): UserChange {
  const { password, profile } = splitPassword(body);
  return hasPassword(password) ? { profile, credential: password } : { profile };
}

function withEtag<T extends { version: number }>(reply: FastifyReply, user: T): T {
  setEtag(reply, user.version);
  return user;
}

/** Users of one tenant: the list, the detail, edits (as user changes with If-Match), lifecycle, sessions, events. */
export async function consoleUsersRoutes(fastify: FastifyInstance, { registry }: { registry: ConsoleUsersRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { userChanges, usersQuery, usersLifecycle, sessions } = registry;

  app.get('/tenants/:tenantId/users', { schema: { params: TenantParams, querystring: UserListQuerySchema } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
      if (key.startsWith('attributes.')) attributes[key.slice('attributes.'.length)] = String(value);
    }
    return usersQuery.listUsers(ctx, { ...request.query, attributes });
  });

  app.post('/tenants/:tenantId/users', { schema: { params: TenantParams, body: UserWriteSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const { user } = await userChanges.applyUserChange(ctx, { kind: 'create' }, toUserChange(request.body as UserWrite));
    return withEtag(reply.code(201), user);
  });

  app.get('/tenants/:tenantId/users/:id', { schema: { params: UserParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return withEtag(reply, await usersQuery.getUser(ctx, request.params.id));
  });

  app.patch('/tenants/:tenantId/users/:id', { schema: { params: UserParams, body: UserWriteSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const target = { kind: 'id', id: request.params.id, expectedVersion: expectedVersion(request) } as const;
    const { user } = await userChanges.applyUserChange(ctx, target, toUserChange(request.body as UserWrite));
    return withEtag(reply, user);
  });

  // Brand membership as one user change (its events, its If-Match), like every other edit.
  app.post(
    '/tenants/:tenantId/users/:id/brands',
    {
      schema: {
        params: UserParams,
        body: Type.Object(
          {
            join: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
            leave: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      const target = { kind: 'id', id: request.params.id, expectedVersion: expectedVersion(request) } as const;
      const { user } = await userChanges.applyUserChange(ctx, target, { brands: request.body });
      return withEtag(reply, user);
    },
  );

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/tenants/:tenantId/users/:id/${action}`, { schema: { params: UserParams } }, async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      const user =
        action === 'deactivate'
          ? await usersLifecycle.deactivateUser(ctx, request.params.id)
          : await usersLifecycle.reactivateUser(ctx, request.params.id);
      return withEtag(reply, user);
    });
  }

  app.post('/tenants/:tenantId/users/:id/logout', { schema: { params: UserParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return sessions.logoutUser(ctx, { id: request.params.id });
  });

  app.delete('/tenants/:tenantId/users/:id', { schema: { params: UserParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await registry.userData.eraseUser(ctx, request.params.id);
    return reply.code(204).send();
  });

  // Each user is its own change (its own transaction and events); the answer says which failed and why.
  app.post('/tenants/:tenantId/users/bulk', { schema: { params: TenantParams, body: BulkBody } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const results: { id: string; ok: boolean; code?: string }[] = [];
    for (const id of request.body.ids) {
      try {
        if (request.body.action === 'deactivate') await usersLifecycle.deactivateUser(ctx, id);
        else await sessions.logoutUser(ctx, { id });
        results.push({ id, ok: true });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string') throw error;
        results.push({ id, ok: false, code });
      }
    }
    return { data: results };
  });

  app.get('/tenants/:tenantId/users/:id/sessions', { schema: { params: UserParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await sessions.listSessions(ctx, { id: request.params.id }) };
  });

  app.delete('/tenants/:tenantId/sessions/:sessionId', { schema: { params: SessionParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await sessions.revokeSession(ctx, request.params.sessionId);
    return reply.code(204).send();
  });

  app.get(
    '/tenants/:tenantId/events',
    {
      schema: {
        params: TenantParams,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ maxLength: 512 })),
            type: Type.Optional(Type.String({ maxLength: 64 })),
            userId: Type.Optional(Type.String({ format: 'uuid' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return registry.events.list(ctx, request.query);
    },
  );
}
