import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActorContext } from '../../core/context.ts';
import { createSecretBox } from '../../core/secret-box.ts';
import { authenticateKey } from '../../http/auth.ts';
import { methodNotAllowed } from '../../http/method-not-allowed.ts';
import type { EventInput } from '../../modules/events/events.service.ts';
import type { MergedLookup } from '../../modules/providers/provider-lookup.ts';
import type { Registry } from '../../registry.ts';
import { type NavigaEnvelope, navigaNotFound, sendNavigaError } from './naviga.errors.ts';
import { sealCustomerRegistrationId } from './naviga.ids.ts';
import { brandOfCodes, type NavigaUser, readNavigaHeaders, readNavigaQuery, toNavigaUser } from './naviga.mapping.ts';
import { NavigaErrorSchema, NavigaUsersResponseSchema } from './naviga.schemas.ts';

const tags = ['naviga'];
const errors = Object.fromEntries([400, 401, 403, 404, 429, 503].map((status) => [status, NavigaErrorSchema]));

/** The document's event codes, written as `naviga.<NAME>` with `data.code` holding Naviga's event id. */
const EVENTS = {
  SUBSCRIBE_USER_GET: 4000,
  AUTHSYSTEM_USER_GET: 4601,
  SUBSCRIBE_USER_UPDATE: 4004,
} as const;

function navigaEvent(name: keyof typeof EVENTS, userId: string | null, data: Record<string, unknown> = {}): EventInput {
  return { type: `naviga.${name}`, userId, data: { code: EVENTS[name], name, ...data } };
}

/**
 * True when this lookup linked the provider's subject to the local user: the link is what the lookup changes
 * on an existing user (the core does not write merged fields back).
 */
function linkedNow(lookup: MergedLookup, since: Date): boolean {
  const provider = lookup.provider;
  if (!provider) return false;
  return lookup.identities.some((i) => i.provider === provider.name && Date.parse(i.linkedAt) >= since.getTime());
}

/** The document's events for one call. */
function eventsOf(lookup: MergedLookup, since: Date): EventInput[] {
  const userId = lookup.local?.id ?? null;
  const out = [navigaEvent('SUBSCRIBE_USER_GET', userId, { found: lookup.local !== null })];
  const asked = lookup.providerStatus === 'ok' || lookup.providerStatus === 'not_found' || lookup.providerStatus === 'unavailable';
  if (asked)
    out.push(navigaEvent('AUTHSYSTEM_USER_GET', userId, { provider: lookup.provider?.name ?? null, status: lookup.providerStatus }));
  if (userId && (lookup.provisioned || linkedNow(lookup, since))) {
    out.push(navigaEvent('SUBSCRIBE_USER_UPDATE', userId, { provisioned: lookup.provisioned }));
  }
  return out;
}

/**
 * The tenant key in `Authorization`, then the mandatory headers, then the codes against the key.
 * @throws AppError AUTH_REQUIRED, API_KEY_INVALID (also for codes that do not agree), SCOPE_MISSING, INVALID_PARAMETER
 */
async function authenticate(registry: Registry, request: FastifyRequest): Promise<{ ctx: ActorContext; brandId: string | null }> {
  const ctx = await authenticateKey(registry, request, 'users:read');
  const headers = readNavigaHeaders(request.headers);
  const [tenant, brands] = await Promise.all([registry.tenants.getTenantRow(ctx.tenantId), registry.brands.listBrands(ctx.tenantId)]);
  const brandId = brandOfCodes(headers, tenant?.codes ?? {}, brands, ctx.brand?.id ?? null);
  // Naviga names the event source X-SourceSystem, not Roster's X-Source-System.
  return { ctx: { ...ctx, source: headers.sourceSystem.slice(0, 128) }, brandId };
}

/** Naviga's Users Orchestrator `GET /v4/Users` (seed 004), with its own auth, envelope and 404s under /v4. */
export async function navigaDialect(fastify: FastifyInstance, { registry }: { registry: Registry }): Promise<void> {
  const box = registry.config.secretKey ? createSecretBox(registry.config.secretKey) : null;

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
            schema: {
              tags,
              summary: 'Naviga: get a user by email, merged with the upstream identity provider',
              description:
                'No provider configured, or ignoreProvider=true: the Roster user. Otherwise the Roster user merged with the provider’s view.',
              response: { 200: NavigaUsersResponseSchema, ...errors },
            },
          },
          async (request): Promise<NavigaEnvelope<NavigaUser>> => {
            const { ctx, brandId } = await authenticate(registry, request);
            const query = readNavigaQuery(request.query as Record<string, unknown>);
            const since = registry.clock.now();
            const lookup = await registry.providers.lookupMerged(
              ctx,
              { email: query.email },
              { ignoreProvider: query.ignoreProvider, brandId, log: request.log },
            );
            await registry.events.record(registry.db, ctx, ...eventsOf(lookup, since));
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
