import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import { adminActor } from '../../http/auth.ts';
import type { Registry } from '../../registry.ts';
import { SCOPES } from '../api-keys/api-keys.ts';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const RateLimit = Type.Union(
  [
    Type.Object(
      { max: Type.Integer({ minimum: 1, maximum: 1_000_000 }), windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }) },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'At most `max` requests per `windowSeconds`, counted per API key; null: no limit of its own' },
);
const Codes = Type.Object(
  {
    clientGroup: Type.Optional(Type.String({ maxLength: 64 })),
    client: Type.Optional(Type.String({ maxLength: 64 })),
    paper: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const TenantSchema = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  hosts: Type.Array(Type.String()),
  codes: Codes,
  defaultCountry: Nullable(Type.String()),
  currency: Nullable(Type.String()),
  allowFreeformAttributes: Type.Boolean(),
  sessionsLimit: Nullable(Type.Integer()),
  sessionsPolicy: Type.String(),
  rejectCommonPasswords: Type.Boolean(),
  gravatarPictures: Type.Boolean(),
  rateLimit: RateLimit,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const tenantFields = {
  name: Type.String({ minLength: 1, maxLength: 256 }),
  hosts: Type.Optional(Type.Array(Type.String({ maxLength: 260 }), { maxItems: 100 })),
  codes: Type.Optional(Codes),
  defaultCountry: Type.Optional(Nullable(Type.String({ maxLength: 2 }))),
  currency: Type.Optional(Nullable(Type.String({ maxLength: 3 }))),
  allowFreeformAttributes: Type.Optional(Type.Boolean()),
  sessionsLimit: Type.Optional(
    Nullable(
      Type.Integer({ minimum: 1, maximum: 999_999, description: 'Live sessions per user unless the user sets a limit; null is unlimited' }),
    ),
  ),
  rejectCommonPasswords: Type.Optional(
    Type.Boolean({ description: 'Refuse new passwords that are among the 10,000 most common (default true)' }),
  ),
  gravatarPictures: Type.Optional(
    Type.Boolean({
      description:
        'A user written without a picture gets the Gravatar URL of their email (default false: that URL sends a hash of the email to Gravatar whenever the picture is shown)',
    }),
  ),
  sessionsPolicy: Type.Optional(
    Type.Union([Type.Literal('evict_oldest'), Type.Literal('reject_new')], {
      description: 'A sign-in past the limit ends the oldest session, or is refused',
    }),
  ),
  rateLimit: Type.Optional(RateLimit),
};
const BrandSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  codes: Codes,
  createdAt: Type.String(),
});
const KeySchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  brand: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  rateLimit: RateLimit,
});
const KeyParams = Type.Object({ id: Type.String({ maxLength: 64 }), keyId: Type.String({ maxLength: 64 }) });
const TenantParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** What these routes use of the registry. */
export type AdminRoutesDeps = Pick<Registry, 'tenants' | 'brands' | 'apiKeys'>;

/** Platform administration: tenants, brands, API keys. Authorized by the admin token. */
export async function adminRoutes(fastify: FastifyInstance, { registry }: { registry: AdminRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { tenants, brands, apiKeys } = registry;
  const tags = ['admin'];
  const config = { auth: 'admin' as const };

  app.post(
    '/admin/tenants',
    {
      config,
      schema: {
        tags,
        operationId: 'createTenant',
        summary: 'Create a tenant',
        body: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }), ...tenantFields }, { additionalProperties: false }),
        response: { 201: TenantSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await tenants.createTenant(request.body, adminActor(request))),
  );

  app.get(
    '/admin/tenants',
    {
      config,
      schema: {
        tags,
        operationId: 'listTenants',
        summary: 'List tenants',
        querystring: Type.Object(
          {
            cursor: Type.Optional(Type.String({ maxLength: 512 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(TenantSchema), nextCursor: Nullable(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => tenants.listTenants(request.query),
  );

  app.get(
    '/admin/tenants/:id',
    {
      config,
      schema: {
        tags,
        operationId: 'getTenant',
        summary: 'Get a tenant',
        params: TenantParams,
        response: { 200: TenantSchema, ...errorResponses },
      },
    },
    async (request) => tenants.getTenant(request.params.id),
  );

  app.patch(
    '/admin/tenants/:id',
    {
      config,
      schema: {
        tags,
        operationId: 'updateTenant',
        summary: 'Update a tenant',
        params: TenantParams,
        body: Type.Object(
          { slug: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), ...tenantFields, name: Type.Optional(tenantFields.name) },
          { additionalProperties: false },
        ),
        response: { 200: TenantSchema, ...errorResponses },
      },
    },
    async (request) => tenants.patchTenant(request.params.id, request.body, adminActor(request)),
  );

  app.post(
    '/admin/tenants/:id/brands',
    {
      config,
      schema: {
        tags,
        operationId: 'createBrand',
        summary: 'Create a brand in a tenant',
        params: TenantParams,
        body: Type.Object(
          {
            slug: Type.String({ minLength: 1, maxLength: 64 }),
            name: Type.String({ minLength: 1, maxLength: 256 }),
            codes: Type.Optional(Codes),
          },
          { additionalProperties: false },
        ),
        response: { 201: BrandSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenant = await tenants.resolveTenant(request.params.id);
      return reply.code(201).send(await brands.createBrand(tenant.id, request.body, adminActor(request)));
    },
  );

  app.get(
    '/admin/tenants/:id/brands',
    {
      config,
      schema: {
        tags,
        operationId: 'listBrands',
        summary: 'List a tenant’s brands',
        params: TenantParams,
        response: { 200: Type.Object({ data: Type.Array(BrandSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await brands.listBrands((await tenants.resolveTenant(request.params.id)).id) }),
  );

  app.post(
    '/admin/tenants/:id/keys',
    {
      config,
      schema: {
        tags,
        operationId: 'createApiKey',
        summary: 'Create an API key (the secret is shown only in this response)',
        params: TenantParams,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128 }),
            brand: Type.Optional(Type.String({ maxLength: 64 })),
            scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: SCOPES.length })),
            rateLimit: Type.Optional(RateLimit),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ ...KeySchema.properties, secret: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenant = await tenants.resolveTenant(request.params.id);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(await apiKeys.createKey(tenant.id, request.body, adminActor(request)));
    },
  );

  app.get(
    '/admin/tenants/:id/keys',
    {
      config,
      schema: {
        tags,
        operationId: 'listApiKeys',
        summary: 'List a tenant’s API keys (never their secrets)',
        params: TenantParams,
        response: { 200: Type.Object({ data: Type.Array(KeySchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await apiKeys.listKeys((await tenants.resolveTenant(request.params.id)).id) }),
  );

  app.delete(
    '/admin/tenants/:id/keys/:keyId',
    {
      config,
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        params: KeyParams,
        response: { 200: KeySchema, ...errorResponses },
      },
    },
    async (request) => apiKeys.revokeKey((await tenants.resolveTenant(request.params.id)).id, request.params.keyId, adminActor(request)),
  );

  app.patch(
    '/admin/tenants/:id/keys/:keyId',
    {
      config,
      schema: {
        tags,
        operationId: 'updateApiKey',
        summary: 'Change an API key: its own rate limit (null: the tenant’s applies)',
        params: KeyParams,
        body: Type.Object({ rateLimit: Type.Optional(RateLimit) }, { additionalProperties: false }),
        response: { 200: KeySchema, ...errorResponses },
      },
    },
    async (request) =>
      apiKeys.updateKey((await tenants.resolveTenant(request.params.id)).id, request.params.keyId, request.body, adminActor(request)),
  );
}
