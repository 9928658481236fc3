import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActorContext } from '../../core/context.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import { authenticateKey, presentedCredential } from '../../http/auth.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import type { Scope } from '../../modules/api-keys/api-keys.ts';
import type { UserRef } from '../../modules/sessions/sessions.ts';
import type { UserStatus, UserView } from '../../modules/users/users.ts';
import type { Registry } from '../../registry.ts';
import { publicaLaNotFound, sendPublicaLaError } from './publicala.errors.ts';
import { parseUserBody, toCreatedUser, toListedUser, toUserChange } from './publicala.mapping.ts';
import { toPaginator } from './publicala.paginator.ts';
import {
  PublicaLaCreateBodySchema,
  PublicaLaCreatedSchema,
  PublicaLaDeactivatedSchema,
  PublicaLaErrorSchema,
  PublicaLaForceLogoutParamsSchema,
  PublicaLaIdParamsSchema,
  PublicaLaListQuerySchema,
  PublicaLaListSchema,
  PublicaLaLoggedOutSchema,
  PublicaLaReactivatedSchema,
  PublicaLaUpdateBodySchema,
  PublicaLaUserSchema,
} from './publicala.schemas.ts';

export const PUBLICALA_PREFIX = '/integration-api';
const USERS = '/v1/dashboard/users';

const tags = ['publicala'];
const errors = Object.fromEntries([400, 401, 403, 404, 413, 415, 422, 429, 500, 503].map((status) => [status, PublicaLaErrorSchema]));
const DEFAULT_PER_PAGE = 15;
const MAX_PER_PAGE = 100;
const NUMBER = /^[1-9]\d{0,14}$/;
/** `?query=` values and the core filters they stand for. Deactivated users are Laravel's soft-deleted ones. */
const LIST_FILTERS: Record<string, { status: UserStatus; role?: string }> = {
  deactivated: { status: 'deactivated' },
  admins: { status: 'active', role: 'admin' },
};

function headerText(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || null;
}

/** The key as Publica.la clients send it: `Authorization: Bearer`, an `X-User-Token` header or `?api_token=`. */
function secretOf(request: FastifyRequest): string | null {
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = typeof query?.api_token === 'string' ? query.api_token.trim() || null : null;
  return presentedCredential(request) ?? headerText(request, 'x-user-token') ?? fromQuery;
}

/** The user number in a path; anything else names no user (Laravel's route binding answers 404). */
function numberOf(raw: string): number {
  const text = raw.trim();
  return NUMBER.test(text) ? Number(text) : 0;
}

/** The user a lookup found, or null when it found none. @throws every error but USER_NOT_FOUND */
async function orNull(lookup: Promise<UserView>): Promise<UserView | null> {
  return lookup.catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'USER_NOT_FOUND') return null;
    throw error;
  });
}

/** What the Publica.la dialect uses of the registry. */
export type PublicaLaDeps = Pick<
  Registry,
  'apiKeys' | 'adminAuth' | 'clock' | 'userChanges' | 'usersQuery' | 'usersLifecycle' | 'userPlans' | 'sessions'
>;

/** yyyy-mm-dd of the registry's clock, in UTC. */
function today(registry: PublicaLaDeps): string {
  return registry.clock.now().toISOString().slice(0, 10);
}

/**
 * Publica.la's users integration API (seed 002), at `/integration-api`: create, list, read, update, deactivate,
 * reactivate and force logout, answering `{"CODE": "success", "data": ...}` and Laravel's errors.
 */
export async function publicalaDialect(fastify: FastifyInstance, { registry }: { registry: PublicaLaDeps }): Promise<void> {
  await fastify.register(
    async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      app.decorateRequest('ctx', null as never);
      app.setErrorHandler(sendPublicaLaError);
      app.setNotFoundHandler((request, reply) =>
        sendPublicaLaError(methodNotAllowed(request, reply) ?? publicaLaNotFound(request), request, reply),
      );
      // Laravel reads JSON and form bodies alike; an empty body (a DELETE sent with a JSON content type) is no input.
      app.removeContentTypeParser(['application/json', 'text/plain']);
      const json = app.getDefaultJsonParser('error', 'error');
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
        if ((body as string).trim() === '') done(null, undefined);
        else json(request, body as string, done);
      });
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });

      /**
       * Resolves the key before the body is read, so an unauthenticated request costs no parsing.
       * @throws AppError AUTH_REQUIRED, API_KEY_INVALID, SCOPE_MISSING
       */
      const authenticate = (needed: Scope) => async (request: FastifyRequest) => {
        request.ctx = await authenticateKey(registry, request, needed, secretOf(request));
      };

      /** Laravel reads a body that is not a JSON object (none, an array, a number) as no input at all. */
      const bodyAsInput = async (request: FastifyRequest) => {
        const body = request.body;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) request.body = {};
      };

      /** The scheme and host the client called, for the URLs the answers carry. */
      const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

      async function listedUser(ctx: ActorContext, user: UserView, origin: string) {
        return toListedUser(user, await registry.userPlans.listAssignments(ctx, user.id), origin);
      }

      /** Number or external id (Publica.la's force logout takes either); a number that names a user wins. */
      async function userRefOf(ctx: ActorContext, raw: string): Promise<UserRef> {
        const number = numberOf(raw);
        if (number > 0) {
          const user = await orNull(registry.usersQuery.getUserByNumber(ctx, number));
          if (user) return { id: user.id };
        }
        return { externalId: raw };
      }

      // Laravel routes answer with and without a trailing slash; the document's own create example has one.
      for (const path of [USERS, `${USERS}/`]) {
        app.post(
          path,
          {
            onRequest: authenticate('users:write'),
            preValidation: bodyAsInput,
            schema: {
              tags,
              hide: path.endsWith('/'),
              summary: 'Publica.la: create a user (or update the one with this external_id)',
              body: PublicaLaCreateBodySchema,
              response: { 200: PublicaLaCreatedSchema, ...errors },
            },
          },
          async (request) => {
            const { ctx } = request;
            const write = parseUserBody(request.body, { update: false, today: today(registry) });
            const target = { kind: 'upsert', externalId: write.externalId } as const;
            const { user } = await registry.userChanges.applyUserChange(ctx, target, toUserChange(write));
            return { CODE: 'success' as const, data: toCreatedUser(user) };
          },
        );

        app.get(
          path,
          {
            onRequest: authenticate('users:read'),
            schema: {
              tags,
              hide: path.endsWith('/'),
              summary: 'Publica.la: list users (filters: email, query=deactivated, query=admins), by page',
              querystring: PublicaLaListQuerySchema,
              response: { 200: PublicaLaListSchema, ...errors },
            },
          },
          async (request) => {
            const { ctx } = request;
            const q = request.query;
            const filter = q.query === undefined || q.query.trim() === '' ? { status: 'active' as const } : LIST_FILTERS[q.query.trim()];
            if (!filter) throw invalidField('query', 'must be deactivated or admins', 'invalid', 'INVALID_PARAMETER');
            let perPage = DEFAULT_PER_PAGE;
            if (q.per_page !== undefined && q.per_page.trim() !== '') {
              perPage = NUMBER.test(q.per_page.trim()) ? Number(q.per_page) : 0;
              if (perPage < 1 || perPage > MAX_PER_PAGE) {
                throw invalidField('per_page', `must be an integer from 1 to ${MAX_PER_PAGE}`, 'out_of_range', 'INVALID_PARAMETER');
              }
            }
            // Laravel reads a page that is not a positive integer as page 1.
            const currentPage = q.page !== undefined && NUMBER.test(q.page.trim()) ? Number(q.page) : 1;
            const email = q.email?.trim() || undefined;
            const page = await registry.usersQuery.listUsers(ctx, {
              ...filter,
              ...(email ? { email } : {}),
              page: currentPage,
              limit: perPage,
              count: true,
            });
            const origin = originOf(request);
            const data = [];
            for (const user of page.data) data.push(await listedUser(ctx, user, origin));
            const kept: Record<string, string> = {};
            if (email) kept.email = email;
            if (q.query?.trim()) kept.query = q.query.trim();
            if (perPage !== DEFAULT_PER_PAGE) kept.per_page = String(perPage);
            const paginator = toPaginator({
              data,
              currentPage,
              perPage,
              total: page.total ?? 0,
              path: `${origin}${PUBLICALA_PREFIX}${USERS}`,
              query: kept,
            });
            return { CODE: 'success' as const, data: { paginator } };
          },
        );
      }

      app.get(
        `${USERS}/:id`,
        {
          onRequest: authenticate('users:read'),
          schema: {
            tags,
            summary: 'Publica.la: one user, by number',
            params: PublicaLaIdParamsSchema,
            response: { 200: PublicaLaUserSchema, ...errors },
          },
        },
        async (request) => {
          const user = await registry.usersQuery.getUserByNumber(request.ctx, numberOf(request.params.id));
          return { CODE: 'success' as const, data: await listedUser(request.ctx, user, originOf(request)) };
        },
      );

      app.put(
        `${USERS}/:id`,
        {
          onRequest: authenticate('users:write'),
          preValidation: bodyAsInput,
          schema: {
            tags,
            summary: 'Publica.la: update a user, by number',
            params: PublicaLaIdParamsSchema,
            body: PublicaLaUpdateBodySchema,
            response: { 204: { type: 'null', description: 'Updated' }, ...errors },
          },
        },
        async (request, reply) => {
          const { ctx } = request;
          const number = numberOf(request.params.id);
          // As Laravel binds the route model before validating: an unknown user is a 404 whatever the body.
          const user = await registry.usersQuery.getUserByNumber(ctx, number);
          const write = parseUserBody(request.body, { update: true, today: today(registry) });
          // The flags apply to the roles the user holds when the change runs: a concurrent role change is not lost.
          await registry.userChanges.applyUserChange(ctx, { kind: 'id', id: user.id }, toUserChange(write));
          return reply.code(204).send(null);
        },
      );

      app.delete(
        `${USERS}/:id`,
        {
          onRequest: authenticate('users:write'),
          schema: {
            tags,
            summary: 'Publica.la: deactivate a user (they can no longer sign in)',
            params: PublicaLaIdParamsSchema,
            response: { 200: PublicaLaDeactivatedSchema, ...errors },
          },
        },
        async (request) => {
          const user = await registry.usersQuery.getUserByNumber(request.ctx, numberOf(request.params.id));
          await registry.usersLifecycle.deactivateUser(request.ctx, user.id);
          return { CODE: 'success' as const, data: [] };
        },
      );

      app.put(
        `${USERS}/:id/re-activate`,
        {
          onRequest: authenticate('users:write'),
          schema: {
            tags,
            summary: 'Publica.la: reactivate a deactivated user',
            params: PublicaLaIdParamsSchema,
            response: { 200: PublicaLaReactivatedSchema, ...errors },
          },
        },
        async (request) => {
          const user = await registry.usersQuery.getUserByNumber(request.ctx, numberOf(request.params.id));
          await registry.usersLifecycle.reactivateUser(request.ctx, user.id);
          return { CODE: 'success' as const, data: 1 as const };
        },
      );

      // The documented path, and the one its parameter example shows under /dashboard.
      for (const path of ['/v1/users/:user_id/force-logout', `${USERS}/:user_id/force-logout`]) {
        app.post(
          path,
          {
            onRequest: authenticate('sessions:write'),
            schema: {
              tags,
              hide: path.startsWith(USERS),
              summary: 'Publica.la: end every session of a user (by number or external_id)',
              params: PublicaLaForceLogoutParamsSchema,
              response: { 200: PublicaLaLoggedOutSchema, ...errors },
            },
          },
          async (request) => {
            const { ctx } = request;
            const result = await registry.sessions.logoutUser(ctx, await userRefOf(ctx, request.params.user_id));
            return { CODE: 'success' as const, data: { revoked: result.revoked } };
          },
        );
      }
    },
    { prefix: PUBLICALA_PREFIX },
  );
}
