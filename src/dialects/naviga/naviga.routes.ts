import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActorContext } from '../../core/context.ts';
import { authenticateKey } from '../../http/auth.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import type { Registry } from '../../registry.ts';
import { type NavigaEnvelope, navigaNotFound, sendNavigaError } from './naviga.errors.ts';
import { navigaCallEvents } from './naviga.events.ts';
import { sealCustomerRegistrationId } from './naviga.ids.ts';
import { brandOfCodes, type NavigaUser, readNavigaHeaders, readNavigaQuery, toNavigaUser } from './naviga.mapping.ts';
import { NavigaErrorSchema, NavigaUsersResponseSchema } from './naviga.schemas.ts';

/** What the Naviga dialect uses of the registry. */
export type NavigaDeps = Pick<Registry, 'apiKeys' | 'adminAuth' | 'tenants' | 'brands' | 'providers' | 'clock' | 'secretKeys'>;

const tags = ['naviga'];
const errors = Object.fromEntries([400, 401, 403, 404, 429, 503].map((status) => [status, NavigaErrorSchema]));

/**
 * The mandatory headers, then the codes against the key that the onRequest hook authenticated.
 * @throws AppError API_KEY_INVALID (codes that do not agree), INVALID_PARAMETER
 */
async function selectBrand(registry: NavigaDeps, request: FastifyRequest): Promise<{ ctx: ActorContext; brandId: string | null }> {
  const ctx = request.ctx;
  const headers = readNavigaHeaders(request.headers);
  const [tenant, brands] = await Promise.all([registry.tenants.getTenantRow(ctx.tenantId), registry.brands.listBrands(ctx.tenantId)]);
  const brandId = brandOfCodes(headers, tenant?.codes ?? {}, brands, ctx.brand?.id ?? null);
  // Naviga names the event source X-SourceSystem, not Roster's X-Source-System.
  return { ctx: { ...ctx, source: headers.sourceSystem.slice(0, 128) }, brandId };
}

/** Naviga's Users Orchestrator `GET /v4/Users` (seed 004), with its own auth, envelope and 404s under /v4. */
export async function navigaDialect(fastify: FastifyInstance, { registry }: { registry: NavigaDeps }): Promise<void> {
  const box = registry.secretKeys.box;

  await fastify.register(
    async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      app.setErrorHandler(sendNavigaError);
      app.setNotFoundHandler((request, reply) =>
        sendNavigaError(methodNotAllowed(request, reply) ?? navigaNotFound(request), request, reply),
      );
      // ASP.NET routes ignore case: both spellings a client may send are served.
      for (const url of ['/Users', '/users']) {
        app.get(
          url,
          {
            // The key is authenticated in onRequest, like every other API, so the root rate limit (a preValidation
            // hook) sees the key's limit and counts the request; the headers and codes are checked after it, so an
            // invalid Naviga request is counted too, as on /v1.
            onRequest: async (request) => {
              request.ctx = await authenticateKey(registry, request, 'users:read');
            },
            schema: {
              tags,
              summary: 'Naviga: get a user by email, merged with the upstream identity provider',
              description:
                'No provider configured, or ignoreProvider=true: the Roster user. Otherwise the Roster user merged with the provider’s view.',
              response: { 200: NavigaUsersResponseSchema, ...errors },
            },
          },
          async (request): Promise<NavigaEnvelope<NavigaUser>> => {
            const { ctx, brandId } = await selectBrand(registry, request);
            const query = readNavigaQuery(request.query as Record<string, unknown>);
            const lookup = await registry.providers.lookupMerged(
              ctx,
              { email: query.email },
              { ignoreProvider: query.ignoreProvider, brandId, log: request.log, callEvents: navigaCallEvents },
            );
            const seal = box ? (id: string) => sealCustomerRegistrationId(box, ctx.tenantId, id) : null;
            const user = toNavigaUser(lookup, seal, registry.clock.now());
            const data = user ? [user] : [];
            return {
              message: { code: 'UsersOrchestrator_S200_02', text: 'Get completed.', type: 'Success' },
              data,
              meta: { totalRecords: data.length },
            };
          },
        );
      }
    },
    { prefix: '/v4' },
  );
}
