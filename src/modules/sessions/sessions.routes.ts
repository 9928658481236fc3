import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.ts';
import { errorResponses } from '../../core/schemas.ts';
import { presentedCredential } from '../../http/auth.ts';
import { credentialKindOf, wrongCredentialMessage } from '../../http/credential-hint.ts';
import type { Registry } from '../../registry.ts';
import {
  IntrospectionSchema,
  IntrospectSchema,
  PasswordlessSchema,
  RefreshSchema,
  SessionListSchema,
  SignInSchema,
  TokenResponseSchema,
} from './sessions.schemas.ts';
import type { ClientInfo, UserRef } from './sessions.ts';

const tags = ['sessions'];
const problems = errorResponses;
const userRef = Type.Ref('User');
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ExternalIdParams = Type.Object({ externalId: Type.String({ minLength: 1, maxLength: 256 }) });

function clientOf(request: FastifyRequest, body: { ip?: string; userAgent?: string }): ClientInfo {
  const agent = request.headers['user-agent'];
  return {
    ip: body.ip?.trim() || request.ip || null,
    userAgent: body.userAgent ?? (typeof agent === 'string' ? agent.slice(0, 512) : null),
  };
}

/** Each user-addressed route answers at /users/{id}/... and at /users/by-external-id/{externalId}/... */
function byUser(path: string): {
  path: string;
  params: typeof IdParams | typeof ExternalIdParams;
  ref: (p: Record<string, string>) => UserRef;
  operationSuffix: string;
}[] {
  return [
    { path: `/users/:id${path}`, params: IdParams, ref: (p) => ({ id: p.id as string }), operationSuffix: '' },
    {
      path: `/users/by-external-id/:externalId${path}`,
      params: ExternalIdParams,
      ref: (p) => ({ externalId: p.externalId as string }),
      operationSuffix: 'ByExternalId',
    },
  ];
}

/** What these routes use of the registry. */
export type SessionsRoutesDeps = Pick<Registry, 'sessions' | 'adminAuth'>;

/** Sign-in, tokens, and the sessions of users. */
export async function sessionsRoutes(fastify: FastifyInstance, { registry }: { registry: SessionsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { sessions } = registry;

  app.post(
    '/sessions',
    {
      config: { scope: 'sessions:write' },
      schema: {
        tags,
        operationId: 'signIn',
        summary: 'Sign in with a password',
        description: 'Send exactly one of email, phone, externalId. Every failure answers 401 INVALID_CREDENTIALS alike.',
        body: SignInSchema,
        response: { 201: TokenResponseSchema, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const tokens = await sessions.signIn(request.ctx, body, clientOf(request, body));
      return reply.code(201).header('cache-control', 'no-store').send(tokens);
    },
  );

  app.post(
    '/sessions/refresh',
    {
      config: { scope: 'sessions:write' },
      schema: {
        tags,
        operationId: 'refreshSession',
        summary: 'Exchange a refresh token for new tokens',
        description: 'The refresh token is single use. Presenting a used one ends its whole session.',
        body: RefreshSchema,
        response: { 200: TokenResponseSchema, ...problems },
      },
    },
    async (request, reply) => {
      const tokens = await sessions.refresh(request.ctx, request.body.refreshToken);
      return reply.header('cache-control', 'no-store').send(tokens);
    },
  );

  app.post(
    '/sessions/introspect',
    {
      config: { scope: 'sessions:read' },
      schema: {
        tags,
        operationId: 'introspectToken',
        summary: 'Is this access or refresh token live? (RFC 7662)',
        body: IntrospectSchema,
        response: { 200: IntrospectionSchema, ...problems },
      },
    },
    async (request, reply) => reply.header('cache-control', 'no-store').send(await sessions.introspect(request.ctx, request.body.token)),
  );

  app.delete(
    '/sessions/:id',
    {
      config: { scope: 'sessions:write' },
      schema: {
        tags,
        operationId: 'endSession',
        summary: 'End one session (log out)',
        params: IdParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await sessions.revokeSession(request.ctx, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        security: [{ accessToken: [] }],
        operationId: 'getMe',
        summary: 'The user behind an access token',
        description: 'Authorization: Bearer <access token>. Tokens of ended sessions fail at once.',
        response: { 200: userRef, ...problems },
      },
    },
    async (request) => {
      const token = presentedCredential(request);
      if (!token) throw new AppError('AUTH_REQUIRED', 'Send an access token as Authorization: Bearer <token>');
      try {
        return await sessions.me(token);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'ACCESS_TOKEN_INVALID') throw error;
        throw new AppError('ACCESS_TOKEN_INVALID', wrongCredentialMessage('access token', await credentialKindOf(registry, token)));
      }
    },
  );

  for (const route of byUser('/sessions')) {
    app.post(
      route.path,
      {
        config: { scope: 'sessions:write' },
        // The body is optional: a bare POST means "no client details".
        preValidation: (request, _reply, done) => {
          request.body ??= {};
          done();
        },
        schema: {
          tags,
          operationId: `issueUserSession${route.operationSuffix}`,
          summary: 'Issue tokens for a user without a password (server to server)',
          params: route.params,
          body: PasswordlessSchema,
          response: { 201: TokenResponseSchema, ...problems },
        },
      },
      async (request, reply) => {
        const body = request.body as { ip?: string; userAgent?: string };
        const tokens = await sessions.issuePasswordless(
          request.ctx,
          route.ref(request.params as Record<string, string>),
          clientOf(request, body),
        );
        return reply.code(201).header('cache-control', 'no-store').send(tokens);
      },
    );

    app.get(
      route.path,
      {
        config: { scope: 'sessions:read' },
        schema: {
          tags,
          operationId: `listUserSessions${route.operationSuffix}`,
          summary: "A user's live sessions",
          params: route.params,
          response: { 200: SessionListSchema, ...problems },
        },
      },
      async (request) => ({ data: await sessions.listSessions(request.ctx, route.ref(request.params as Record<string, string>)) }),
    );
  }

  for (const route of byUser('/logout')) {
    app.post(
      route.path,
      {
        config: { scope: 'sessions:write' },
        schema: {
          tags,
          operationId: `logoutUser${route.operationSuffix}`,
          summary: 'Force logout: end every session of a user',
          params: route.params,
          response: { 200: Type.Object({ revoked: Type.Integer() }), ...problems },
        },
      },
      async (request) => sessions.logoutUser(request.ctx, route.ref(request.params as Record<string, string>)),
    );
  }
}
