import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { AppError } from '../core/errors.ts';
import { SCOPES } from '../modules/api-keys/api-keys.ts';
import { canSeeTenant } from '../modules/operators/operators.ts';
import type { Registry } from '../registry.ts';
import { consoleActor, requirePlatform, tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleTenantsRoutesDeps = Pick<Registry, 'tenants' | 'brands' | 'apiKeys'>;

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Codes = Type.Object(
  {
    clientGroup: Type.Optional(Type.String({ maxLength: 64 })),
    client: Type.Optional(Type.String({ maxLength: 64 })),
    paper: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const tenantFields = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  hosts: Type.Optional(Type.Array(Type.String({ maxLength: 260 }), { maxItems: 100 })),
  codes: Type.Optional(Codes),
  defaultCountry: Type.Optional(Nullable(Type.String({ maxLength: 2 }))),
  sessionsLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 999_999 }))),
  sessionsPolicy: Type.Optional(Type.Union([Type.Literal('evict_oldest'), Type.Literal('reject_new')])),
  rejectCommonPasswords: Type.Optional(Type.Boolean()),
};
const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }) });
const KeyParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }), keyId: Type.String({ maxLength: 64 }) });

/** A tenant removed since the operator was given it is left out; any other failure stands. */
function ignoreGone(error: unknown): null {
  if (error instanceof AppError && error.code === 'TENANT_NOT_FOUND') return null;
  throw error;
}

/** Tenants (platform operators create and edit them), their brands and API keys. */
export async function consoleTenantsRoutes(fastify: FastifyInstance, { registry }: { registry: ConsoleTenantsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { tenants, brands, apiKeys } = registry;

  app.get('/tenants', async (request) => {
    const operator = request.principal.operator;
    if (operator && operator.role !== 'platform') {
      // A tenant operator's tenants are read by id: a page of every tenant need not hold them.
      const own = await Promise.all(operator.tenantIds.map((id) => tenants.getTenant(id).catch(ignoreGone)));
      return { data: own.filter((tenant) => tenant !== null), scopes: SCOPES };
    }
    // A platform operator pages through at most 200 here.
    const page = await tenants.listTenants({ limit: 200 });
    return { data: page.data.filter((tenant) => canSeeTenant(request.principal, tenant.id)), scopes: SCOPES };
  });

  app.post(
    '/tenants',
    {
      schema: {
        body: Type.Object(
          { slug: Type.String({ minLength: 1, maxLength: 64 }), ...tenantFields, name: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      requirePlatform(request);
      return reply.code(201).send(await tenants.createTenant(request.body, consoleActor(request)));
    },
  );

  app.get('/tenants/:tenantId', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return tenants.getTenant(ctx.tenantId);
  });

  app.patch(
    '/tenants/:tenantId',
    { schema: { params: TenantParams, body: Type.Object(tenantFields, { additionalProperties: false }) } },
    async (request) => {
      requirePlatform(request);
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return tenants.patchTenant(ctx.tenantId, request.body, consoleActor(request));
    },
  );

  app.get('/tenants/:tenantId/brands', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await brands.listBrands(ctx.tenantId) };
  });

  app.post(
    '/tenants/:tenantId/brands',
    {
      schema: {
        params: TenantParams,
        body: Type.Object(
          {
            slug: Type.String({ minLength: 1, maxLength: 64 }),
            name: Type.String({ minLength: 1, maxLength: 256 }),
            codes: Type.Optional(Codes),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return reply.code(201).send(await brands.createBrand(ctx.tenantId, request.body, consoleActor(request)));
    },
  );

  app.get('/tenants/:tenantId/keys', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await apiKeys.listKeys(ctx.tenantId) };
  });

  app.post(
    '/tenants/:tenantId/keys',
    {
      schema: {
        params: TenantParams,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128 }),
            brand: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      const created = await apiKeys.createKey(ctx.tenantId, request.body, consoleActor(request));
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post('/tenants/:tenantId/keys/:keyId/revoke', { schema: { params: KeyParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return apiKeys.revokeKey(ctx.tenantId, request.params.keyId, consoleActor(request));
  });
}
