import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActorContext } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import { authenticateKey } from '../../http/auth.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import { hasScope } from '../../modules/api-keys/api-keys.ts';
import type { ClientInfo } from '../../modules/sessions/sessions.ts';
import type { Registry } from '../../registry.ts';
import { sendThanxError, thanxNotFound } from './thanx.errors.ts';
import { requireNewUserNames, toThanxCreated, toUserInput, validateUserInput } from './thanx.mapping.ts';
import { ThanxCreatedSchema, ThanxCreateUserBodySchema, ThanxErrorSchema } from './thanx.schemas.ts';

/** What the Thanx dialect uses of the registry. */
export type ThanxDeps = Pick<Registry, 'apiKeys' | 'adminAuth' | 'signUps' | 'clock'>;

const tags = ['thanx'];
const errors = Object.fromEntries([400, 401, 403, 404, 409, 413, 415, 422, 503].map((status) => [status, ThanxErrorSchema]));

/**
 * The key in `Authorization: Bearer <key>` (Thanx's $STANDARD_HEADERS). It creates a user and opens a session,
 * so it needs both users:write and sessions:write. Accept-Version and X-ClientId are accepted and ignored.
 * @throws AppError AUTH_REQUIRED, API_KEY_INVALID, SCOPE_MISSING
 */
async function authenticate(registry: ThanxDeps, request: FastifyRequest): Promise<ActorContext> {
  const ctx = await authenticateKey(registry, request, 'users:write');
  if (!hasScope(ctx.scopes, 'sessions:write')) {
    throw new AppError('SCOPE_MISSING', 'This key lacks the sessions:write scope', { scope: 'sessions:write' });
  }
  return ctx;
}

function clientOf(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip || null, userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null };
}

/** Thanx's `POST /users` (seed 001), as an encapsulated plugin with its own auth, parsers and error envelope. */
export async function thanxDialect(fastify: FastifyInstance, { registry }: { registry: ThanxDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest('ctx', null as never);
  // JSON only: otherwise Fastify's text/plain parser lets a text body through to validation.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(sendThanxError);

  // Thanx's own example posts to /users/; both spellings are served.
  for (const url of ['/users', '/users/']) {
    app.post(
      url,
      {
        onRequest: async (request) => {
          request.ctx = await authenticate(registry, request);
        },
        schema: {
          tags,
          summary: 'Thanx: create a user, or sign an existing one up with the calling brand',
          description:
            'A new email: 201 with the user and passwordless tokens. A known email: joins the key’s brand, then 409 user_email_taken.',
          body: ThanxCreateUserBodySchema,
          response: { 201: ThanxCreatedSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { user } = request.body;
        const profile = { ...toUserInput(user), email: user.email };
        // Every field is checked before anything is looked up or written: a bad request has no effect at all.
        validateUserInput(user, profile, registry.clock.now().toISOString().slice(0, 10));
        const client = clientOf(request);
        const signedUp = await registry.signUps.signUpWithSession(request.ctx, {
          profile,
          client,
          checkNew: () => requireNewUserNames(user),
        });
        return reply.code(201).header('cache-control', 'no-store').send(toThanxCreated(signedUp.user, signedUp.session));
      },
    );
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url,
      schema: { hide: true },
      config: { methodCatchAll: true },
      // Before the body is parsed: a DELETE with a JSON content type and no body is still answered (405, not 400).
      onRequest: async (request, reply) => {
        throw methodNotAllowed(request, reply) ?? thanxNotFound(request);
      },
      handler: async () => undefined,
    });
  }
}
