import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import { adminActor } from '../../http/auth.ts';
import type { Registry } from '../../registry.ts';
import { CreatedKeySchema, KeyCreateSchema, KeyPatchSchema, KeySchema } from '../api-keys/api-keys.schemas.ts';
import { BrandSchema, Codes, Nullable, TenantCreateSchema, TenantPatchSchema, TenantSchema } from '../tenants/tenants.schemas.ts';

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
        body: TenantCreateSchema,
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
        body: TenantPatchSchema,
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
        body: KeyCreateSchema,
        response: { 201: CreatedKeySchema, ...errorResponses },
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
        body: KeyPatchSchema,
        response: { 200: KeySchema, ...errorResponses },
      },
    },
    async (request) =>
      apiKeys.updateKey((await tenants.resolveTenant(request.params.id)).id, request.params.keyId, request.body, adminActor(request)),
  );
}
