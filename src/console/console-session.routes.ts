import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../core/errors.ts';
import type { Registry } from '../registry.ts';
import { clearSessionCookie, isSecureRequest, requirePlatform, sessionTokenOf, setSessionCookie } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleSessionRoutesDeps = Pick<Registry, 'operators' | 'config'>;

const SignIn = Type.Union([
  Type.Object(
    { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
    { additionalProperties: false },
  ),
  Type.Object({ adminToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
]);

const OperatorBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    role: Type.Union([Type.Literal('platform'), Type.Literal('tenant')]),
    tenants: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

/** Console sign-in and sign-out, and operator management (platform operators only). */
export async function consoleSessionRoutes(fastify: FastifyInstance, { registry }: { registry: ConsoleSessionRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { operators } = registry;
  const secure = (request: Parameters<typeof isSecureRequest>[0]) => isSecureRequest(request, registry.config.publicUrl);

  app.post('/session', { config: { consoleAuth: 'none' }, schema: { body: SignIn } }, async (request, reply) => {
    const body = request.body;
    const started =
      'adminToken' in body
        ? await operators.signInWithAdminToken(body.adminToken, request.ip)
        : await operators.signIn(body.email, body.password, request.ip);
    setSessionCookie(reply, secure(request), started.token);
    return reply.header('cache-control', 'no-store').send({ operator: started.principal.operator, csrfToken: started.principal.csrfToken });
  });

  app.get('/session', async (request, reply) =>
    reply.header('cache-control', 'no-store').send({ operator: request.principal.operator, csrfToken: request.principal.csrfToken }),
  );

  app.delete('/session', async (request, reply) => {
    const token = sessionTokenOf(request);
    if (token) await operators.signOut(token);
    clearSessionCookie(reply, secure(request));
    return reply.code(204).send();
  });

  app.get('/operators', async (request) => {
    requirePlatform(request);
    return { data: await operators.listOperators() };
  });

  app.post('/operators', { schema: { body: OperatorBody } }, async (request, reply) => {
    requirePlatform(request);
    return reply.code(201).send(await operators.createOperator(request.body));
  });

  app.delete('/operators/:id', { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } }, async (request, reply) => {
    requirePlatform(request);
    if (request.principal.operator?.id === request.params.id) throw new AppError('OPERATOR_FORBIDDEN', 'An operator cannot remove itself');
    await operators.removeOperator(request.params.id);
    return reply.code(204).send();
  });
}
