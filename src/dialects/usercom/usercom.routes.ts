import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import { authenticateKey } from '../../http/auth.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import { validatorCompiler } from '../../http/validation.ts';
import type { UserView } from '../../modules/users/users.ts';
import type { Registry } from '../../registry.ts';
import type { UserChange } from '../../use-cases/user-change.ts';
import { isFormBody, registerUserComParsers } from './usercom.body.ts';
import { forSingleAttribute, sendUserComError } from './usercom.errors.ts';
import {
  attributeNameOf,
  coerceFormAttributes,
  coerceFormSetAttribute,
  coerceFormUpsert,
  toUpsertInput,
  toUserComUser,
  type UserComUpsertBody,
} from './usercom.mapping.ts';
import {
  UserComErrorSchema,
  UserComSetAttributeBodySchema,
  UserComSetMultipleBodySchema,
  UserComUpsertBodySchema,
  UserComUpsertResultSchema,
  UserComUserSchema,
} from './usercom.schemas.ts';

/** What the User.com dialect uses of the registry. */
export type UserComDeps = Pick<Registry, 'apiKeys' | 'adminAuth' | 'attributes' | 'userChanges' | 'usersQuery'>;

export const USERCOM_PREFIX = '/api/public';

const tags = ['usercom'];
const errors = { '4xx': UserComErrorSchema, '5xx': UserComErrorSchema };
const NUMBER = /^\d{1,15}$/;

/** The documented path with its trailing slash, and without it (clients and proxies drop it): both answer alike. */
function spellings(path: string): string[] {
  return [path, path.slice(0, -1)];
}

/**
 * User.com's public users API (seed 003) at `/api/public`: update_or_create by the caller's `user_id`, and custom
 * attributes set one or many at a time on a user named by its number (`/users/{id}/`) or by the caller's id
 * (`/users-by-id/{user_id}/`). `Authorization: Token <key>`; JSON or form bodies; DRF's error envelope.
 */
export async function usercomDialect(fastify: FastifyInstance, { registry }: { registry: UserComDeps }): Promise<void> {
  await fastify.register(
    async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      app.decorateRequest('ctx', null as never);
      registerUserComParsers(app);
      app.setErrorHandler(sendUserComError);
      const notFound = (request: FastifyRequest) =>
        new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
      app.setNotFoundHandler((request, reply) => sendUserComError(methodNotAllowed(request, reply) ?? notFound(request), request, reply));

      /**
       * The tenant key from `Authorization: Token <key>` (Bearer works too). Runs before the body is read.
       * @throws AppError AUTH_REQUIRED, API_KEY_INVALID, SCOPE_MISSING (users:write)
       */
      const authenticate = async (request: FastifyRequest) => {
        request.ctx = await authenticateKey(registry, request, 'users:write');
      };

      const definitionsOf = (request: FastifyRequest) => registry.attributes.definitionsOf(request.ctx.tenantId);

      /** The user a `/users/{id}/` path names by its per-tenant number. @throws AppError USER_NOT_FOUND */
      const userByNumber = (request: FastifyRequest, id: string): Promise<UserView> => {
        if (!NUMBER.test(id)) throw new AppError('USER_NOT_FOUND', 'User not found', { id });
        return registry.usersQuery.getUserByNumber(request.ctx, Number(id));
      };
      /** The user a `/users-by-id/{user_id}/` path names by your id. @throws AppError USER_NOT_FOUND */
      const userByCallerId = (request: FastifyRequest, userId: string): Promise<UserView> => {
        // PostgreSQL text cannot hold NUL, so no stored id has one; asking the database would fail, not miss.
        if (userId.includes('\u0000')) throw new AppError('USER_NOT_FOUND', 'User not found', { userId });
        return registry.usersQuery.getUserByExternalId(request.ctx, userId);
      };

      // DRF authenticates before it dispatches on the method: an anonymous GET is a 401, a keyed one a 405.
      const refuseOtherMethods = (url: string) =>
        app.route({
          method: ['GET', 'PUT', 'PATCH', 'DELETE'],
          url,
          schema: { hide: true },
          config: { methodCatchAll: true },
          onRequest: [
            authenticate,
            async (request: FastifyRequest, reply: FastifyReply) => {
              reply.header('allow', 'POST');
              throw new AppError('METHOD_NOT_ALLOWED', `Method ${request.method} not allowed`);
            },
          ],
          handler: async () => undefined,
        });

      for (const url of spellings('/users/update_or_create/')) {
        app.post(
          url,
          {
            onRequest: authenticate,
            // Form fields are text: read them by each field's type before the schema judges them.
            preValidation: async (request) => {
              if (isFormBody(request.body)) request.body = coerceFormUpsert(request.body, await definitionsOf(request)) as never;
            },
            schema: {
              tags,
              summary: 'User.com: update or create a user by your user_id',
              description:
                'Upsert by `user_id` over the documented allow-list of attributes; `company_id` makes the user an employee of that company (created when new). 200 `{created, id}`.',
              body: UserComUpsertBodySchema,
              response: { 200: UserComUpsertResultSchema, ...errors },
            },
          },
          async (request) => {
            const { externalId, input, companyId } = toUpsertInput(request.body as UserComUpsertBody);
            // The employee's company (created when new) is part of the same change as the user.
            const change: UserChange = { profile: input };
            if (companyId) change.companies = { join: [{ ref: companyId, createCompany: true }] };
            const { created, user } = await registry.userChanges.applyUserChange(request.ctx, { kind: 'upsert', externalId }, change);
            return { created, id: user.number };
          },
        );
        refuseOtherMethods(url);
      }

      /** Custom attribute values as one change of the user, written as `attribute.set`. */
      const setAttributes = async (request: FastifyRequest, user: UserView, values: Record<string, unknown>): Promise<UserView> => {
        const target = { kind: 'id', id: user.id } as const;
        const result = await registry.userChanges.applyUserChange(
          request.ctx,
          target,
          { attributes: values },
          { eventType: 'attribute.set' },
        );
        return result.user;
      };

      /** The two attribute endpoints: body schema, how a form body is read, and the core call. */
      const actions = {
        set_attribute: {
          summary: 'set one custom attribute',
          body: UserComSetAttributeBodySchema,
          fromForm: coerceFormSetAttribute,
          async apply(request: FastifyRequest, user: UserView): Promise<UserView> {
            const body = request.body as { attribute: string; value: unknown };
            const name = attributeNameOf(body);
            try {
              return await setAttributes(request, user, { [name]: body.value });
            } catch (error) {
              throw forSingleAttribute(error, name);
            }
          },
        },
        set_multiple_attributes: {
          summary: 'set several custom attributes',
          body: UserComSetMultipleBodySchema,
          fromForm: coerceFormAttributes,
          apply: (request: FastifyRequest, user: UserView) => setAttributes(request, user, request.body as Record<string, unknown>),
        },
      };
      type Action = keyof typeof actions;

      for (const [base, param, find, named] of [
        ['/users/:id', 'id', userByNumber, 'the user’s id (an integer)'],
        ['/users-by-id/:user_id', 'user_id', userByCallerId, 'your user_id'],
      ] as const) {
        for (const name of Object.keys(actions) as Action[]) {
          const action = actions[name];
          for (const url of spellings(`${base}/${name}/`)) {
            app.post(
              url,
              {
                onRequest: authenticate,
                preValidation: async (request) => {
                  if (isFormBody(request.body)) request.body = action.fromForm(request.body, await definitionsOf(request));
                },
                schema: {
                  tags,
                  summary: `User.com: ${action.summary} of a user by ${named}`,
                  body: action.body,
                  response: { 200: UserComUserSchema, ...errors },
                },
              },
              async (request) => {
                const user = await find(request, (request.params as Record<string, string>)[param]);
                return toUserComUser(await action.apply(request, user));
              },
            );
            refuseOtherMethods(url);
          }
        }
      }

      // The router refuses a path parameter over 100 characters with its own 414 before any handler of ours runs;
      // these catch-alls take such paths instead. Your user_id may be up to 256 characters, so the attribute
      // endpoints are served here too, with the same validation; a long `{id}` is no number, so not found.
      const validators = Object.fromEntries(
        (Object.keys(actions) as Action[]).map((name) => [
          name,
          validatorCompiler({ schema: actions[name].body, method: 'POST', url: name, httpPart: 'body' }),
        ]),
      ) as Record<Action, (body: unknown) => { value?: unknown; error?: Error }>;
      const LONG_TARGET = /^(.+)\/(set_attribute|set_multiple_attributes)\/?$/;
      app.route({
        method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        url: '/users-by-id/*',
        schema: { hide: true },
        onRequest: [
          async (request) => {
            if (!LONG_TARGET.test((request.params as Record<string, string>)['*'])) throw notFound(request);
          },
          authenticate,
          async (request, reply) => {
            if (request.method !== 'POST') {
              reply.header('allow', 'POST');
              throw new AppError('METHOD_NOT_ALLOWED');
            }
          },
        ],
        handler: async (request) => {
          const [, userId, name] = LONG_TARGET.exec((request.params as Record<string, string>)['*']) as unknown as [string, string, Action];
          const action = actions[name];
          const body = isFormBody(request.body) ? action.fromForm(request.body, await definitionsOf(request)) : request.body;
          const checked = validators[name](body);
          if (checked.error) throw checked.error;
          request.body = body;
          return toUserComUser(await action.apply(request, await userByCallerId(request, userId)));
        },
      });
      app.route({
        method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        url: '/users/*',
        schema: { hide: true },
        onRequest: async (request, reply) => {
          throw methodNotAllowed(request, reply) ?? notFound(request);
        },
        handler: async () => undefined,
      });
    },
    { prefix: USERCOM_PREFIX },
  );
}
