import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, invalidField } from '../../core/errors.ts';
import { authenticateKey } from '../../http/auth.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import type { Scope } from '../../modules/api-keys/api-keys.ts';
import type { TenantRow } from '../../modules/tenants/tenants.table.ts';
import type { Registry } from '../../registry.ts';
import { sendTagMangoError } from './tagmango.errors.ts';
import { type TagMangoUserBody, toFindOrCreateInput, toLookupQuery, toTagMangoUser } from './tagmango.mapping.ts';
import {
  TagMangoCreatedUserSchema,
  TagMangoErrorSchema,
  TagMangoLookupQuerySchema,
  TagMangoMeQuerySchema,
  TagMangoUserBodySchema,
  TagMangoUserSchema,
} from './tagmango.schemas.ts';

export const TAGMANGO_PREFIX = '/api/v1/external';

const tags = ['tagmango'];
const errors = { '4xx': TagMangoErrorSchema, '5xx': TagMangoErrorSchema };
const hostHeader = {
  type: 'object',
  properties: { 'x-whitelabel-host': { type: 'string', description: 'Host name of the dashboard, ex: mydomain.tagmango.com' } },
  required: ['x-whitelabel-host'],
} as const;

function headerText(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** What the TagMango dialect uses of the registry. */
export type TagMangoDeps = Pick<Registry, 'apiKeys' | 'adminAuth' | 'tenants' | 'userChanges' | 'usersQuery' | 'sessions'>;

/**
 * TagMango's external users API (seed 000): create-or-find, lookup by email and/or phone, and the user behind
 * a dashboard refresh token, at `/api/v1/external`, with TagMango's error envelope.
 */
export async function tagmangoDialect(fastify: FastifyInstance, { registry }: { registry: TagMangoDeps }): Promise<void> {
  await fastify.register(
    async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      app.decorateRequest('ctx', null as never);
      // JSON only: without this a text/plain body would reach validation as a string.
      app.removeContentTypeParser('text/plain');
      app.setErrorHandler((error, request, reply) => sendTagMangoError(reply, request, error));
      app.setNotFoundHandler((request, reply) =>
        sendTagMangoError(
          reply,
          request,
          methodNotAllowed(request, reply) ?? new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
        ),
      );

      /**
       * The key (`Authorization: Bearer`) and the host (`x-whitelabel-host`) must name the same tenant. Runs
       * before the body is read, so an unauthenticated request costs no parsing.
       * @throws AppError AUTH_REQUIRED, API_KEY_INVALID (also for an unknown host or one of another tenant),
       *   SCOPE_MISSING, INVALID_PARAMETER (no host header)
       */
      const authenticate = (needed: Scope) => async (request: FastifyRequest) => {
        const ctx = await authenticateKey(registry, request, needed);
        const host = headerText(request, 'x-whitelabel-host');
        if (!host) throw invalidField('x-whitelabel-host', 'is required', 'required', 'INVALID_PARAMETER');
        const tenant = await registry.tenants.getTenantRowByHost(host);
        if (tenant?.id !== ctx.tenantId) throw new AppError('API_KEY_INVALID', 'The key does not belong to the tenant of this host');
        request.ctx = ctx;
      };

      async function tenantOf(request: FastifyRequest): Promise<TenantRow> {
        const tenant = await registry.tenants.getTenantRow(request.ctx.tenantId);
        if (!tenant) throw new AppError('API_KEY_INVALID');
        return tenant;
      }

      app.post(
        '/users',
        {
          onRequest: authenticate('users:write'),
          schema: {
            tags,
            summary: 'TagMango: create or find a user by email or phone',
            headers: hostHeader,
            body: TagMangoUserBodySchema,
            response: { 200: TagMangoCreatedUserSchema, ...errors },
          },
        },
        async (request) => {
          const profile = toFindOrCreateInput(request.body as TagMangoUserBody);
          const result = await registry.userChanges.applyUserChange(request.ctx, { kind: 'find-or-create' }, { profile });
          return { ...toTagMangoUser(result.user, await tenantOf(request)), isNew: result.created };
        },
      );

      app.get(
        '/users',
        {
          onRequest: authenticate('users:read'),
          schema: {
            tags,
            summary: 'TagMango: get a user by email or phone (both given must match one user)',
            headers: hostHeader,
            querystring: TagMangoLookupQuerySchema,
            response: { 200: TagMangoUserSchema, ...errors },
          },
        },
        async (request) => {
          const user = await registry.usersQuery.lookupUser(request.ctx, toLookupQuery(request.query));
          return toTagMangoUser(user, await tenantOf(request));
        },
      );

      app.get(
        '/users/me',
        {
          onRequest: authenticate('sessions:read'),
          schema: {
            tags,
            summary: 'TagMango: get the user behind a dashboard refresh token',
            headers: hostHeader,
            querystring: TagMangoMeQuerySchema,
            response: { 200: TagMangoUserSchema, ...errors },
          },
        },
        async (request) => {
          const fromQuery = request.query.refreshToken?.trim() || undefined;
          const fromHeader = headerText(request, 'x-refresh-token');
          if (fromQuery && fromHeader && fromQuery !== fromHeader) {
            throw invalidField('refreshToken', 'differs from the x-refresh-token header', 'conflict', 'INVALID_PARAMETER');
          }
          const token = fromQuery ?? fromHeader;
          if (!token) throw invalidField('refreshToken', 'is required (query or x-refresh-token header)', 'required', 'INVALID_PARAMETER');
          const user = await registry.sessions.userOfRefreshToken(request.ctx, token);
          return toTagMangoUser(user, await tenantOf(request));
        },
      );
    },
    { prefix: TAGMANGO_PREFIX },
  );
}
