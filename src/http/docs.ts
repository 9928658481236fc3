import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.ts';
import { type DocumentAdditions, dialectDocument, documentRoute, nativeDocument } from './openapi-document.ts';

/**
 * The /docs page, set up for a self-hosted product: nothing it shows or loads leaves this server. No SaaS toolbar
 * (Share, Deploy, Generate MCP), no "Ask AI" agent, no developer tools, no fonts from fonts.scalar.com (the browser's
 * own), no telemetry, and curl as the first example.
 */
export const DOCS_PAGE = {
  // No `url`: the plugin then serves the document itself at /docs/openapi.json (from @fastify/swagger, the same
  // document as /openapi.json) and points the page there. With a `url`, that route tried to parse the URL as a
  // document and answered 500.
  pageTitle: 'Roster API reference',
  withDefaultFonts: false,
  telemetry: false,
  showToolbar: 'never',
  showDeveloperTools: 'never',
  agent: { disabled: true },
  hideDownloadButton: false,
  documentDownloadType: 'json',
  defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
  // The system font stack instead of Scalar's Inter and JetBrains Mono, which it would fetch from its CDN.
  customCss: ':root { --scalar-font: system-ui, sans-serif; --scalar-font-code: ui-monospace, monospace; }',
} as const;

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content?: Record<string, { example?: unknown }> };
        responses?: Record<string, { content?: Record<string, { example?: unknown }> }>;
      }
    >
  >;
}

const EXAMPLE_USER = {
  id: '01933b6e-8f4a-7c3e-9a51-6d2f0c4b8e17',
  number: 1,
  externalId: null,
  username: null,
  email: 'ada@example.com',
  phone: null,
  name: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  birthDate: null,
  gender: null,
  postalCode: null,
  city: null,
  region: null,
  country: 'GB',
  countryName: 'United Kingdom',
  dialCode: '+44',
  currency: 'GBP',
  timezone: null,
  locale: null,
  picture: null,
  links: {},
  consents: {},
  score: null,
  status: 'active',
  roles: [],
  sessionsLimit: null,
  attributes: {},
  brands: [],
  createdAt: '2026-01-05T10:00:00.000Z',
  updatedAt: '2026-01-05T10:00:00.000Z',
  deactivatedAt: null,
  version: 1,
};

/** Answers of the main user operations, by method, path and status, as the reference page shows them. */
export const RESPONSE_EXAMPLES: Record<string, unknown> = {
  'post /v1/users 201': EXAMPLE_USER,
  'get /v1/users/{id} 200': EXAMPLE_USER,
  'patch /v1/users/{id} 200': { ...EXAMPLE_USER, version: 2, updatedAt: '2026-01-05T11:00:00.000Z' },
  'post /v1/users/find-or-create 200': { created: false, user: EXAMPLE_USER },
  'post /v1/users/find-or-create 201': { created: true, user: EXAMPLE_USER },
  'get /v1/users 200': { data: [EXAMPLE_USER], nextCursor: null },
};

/**
 * Request bodies a newcomer can send as they are: the reference page's curl examples show these instead of a body of
 * empty strings generated from the schema. Keyed by method and path as the OpenAPI document spells them.
 */
export const REQUEST_EXAMPLES: Record<string, unknown> = {
  'post /v1/users': {
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    country: 'GB',
    password: 'correct horse battery staple',
  },
  'post /v1/users/find-or-create': { email: 'ada@example.com', firstName: 'Ada' },
  'put /v1/users/by-external-id/{externalId}': { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
  'patch /v1/users/{id}': { city: 'London', attributes: { plan: 'gold' } },
  'post /v1/sessions': { email: 'ada@example.com', password: 'correct horse battery staple' },
  'post /v1/sessions/refresh': { refreshToken: '<refresh token from POST /v1/sessions>' },
  'post /v1/admin/tenants': { slug: 'acme', name: 'Acme', hosts: ['acme.example.com'], defaultCountry: 'GB' },
  'post /v1/admin/tenants/{id}/keys': { name: 'backend' },
  'post /v1/plans': { name: 'Gold', defaultDuration: 'P1M' },
  'post /v1/companies': { externalId: 'acme-ltd', name: 'Acme Ltd', domain: 'acme.example.com' },
};

/** Adds REQUEST_EXAMPLES to the JSON request bodies of the document; an operation that is not there is skipped. */
function withExamples(document: OpenApiDocument): OpenApiDocument {
  for (const [key, example] of Object.entries(REQUEST_EXAMPLES)) {
    const [method, path] = key.split(' ') as [string, string];
    const content = document.paths?.[path]?.[method]?.requestBody?.content;
    for (const [type, media] of Object.entries(content ?? {})) if (type.includes('json')) media.example ??= example;
  }
  for (const [key, example] of Object.entries(RESPONSE_EXAMPLES)) {
    const [method, path, status] = key.split(' ') as [string, string, string];
    const content = document.paths?.[path]?.[method]?.responses?.[status]?.content;
    for (const [type, media] of Object.entries(content ?? {})) if (type.includes('json')) media.example ??= example;
  }
  return document;
}

/**
 * OpenAPI 3.1 document generation, the /docs reference page, /openapi.json (the native API) and
 * /openapi/<dialect>.json (each vendor dialect in `dialects`, whose routes carry the dialect's name as their tag),
 * with `additions` where a dialect's routes carry no schema of their own (SCIM).
 */
export async function registerDocs(
  app: FastifyInstance,
  dialects: readonly string[],
  additions: Partial<Record<string, DocumentAdditions>> = {},
): Promise<void> {
  let full: OpenApiDocument = {};
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Roster',
        version: '0.1.0',
        description: 'Multi-tenant user directory. Errors are RFC 9457 problem documents with a stable `code`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Tenant API key (64 characters); `Token <key>` is accepted too' },
          accessToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'A user’s access token from POST /v1/sessions (verify it with /.well-known/jwks.json)',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'Platform admin token (ROSTER_ADMIN_TOKEN)' },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'users', description: 'Create, find, update and retire users' },
        { name: 'attributes', description: 'Custom attributes' },
        { name: 'brands', description: 'Brand memberships' },
        { name: 'companies', description: 'Companies and their members' },
        { name: 'plans', description: 'The plan catalogue and users’ plan assignments' },
        { name: 'roles', description: 'Built-in and tenant-defined roles' },
        { name: 'webhooks', description: 'Signed webhook endpoints, their delivery log and replay' },
        { name: 'sessions', description: 'Sign-in, access and refresh tokens, sessions and logout' },
        { name: 'events', description: 'The change feed' },
        { name: 'admin', description: 'Platform administration (admin token)' },
        { name: 'system', description: 'Health and readiness' },
        { name: 'scim', description: 'SCIM 2.0 service provider for identity providers (its own document; see docs/scim.md)' },
        { name: 'tagmango', description: 'TagMango external users API (dialect; see docs/dialects.md)' },
        { name: 'thanx', description: 'Thanx users API (dialect)' },
        { name: 'publicala', description: 'Publica.la integration users API (dialect)' },
        { name: 'usercom', description: 'User.com public users API (dialect)' },
      ],
    },
    transform: (input) => documentRoute(input as never, dialects) as never,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // The document @fastify/swagger serves (app.swagger(), /docs) is the native API's; the whole one, dialects
    // included, is kept for the dialect documents.
    transformObject: (input) => {
      full = withExamples(('openapiObject' in input ? input.openapiObject : input.swaggerObject) as OpenApiDocument);
      return nativeDocument(full as never, dialects) as never;
    },
  });
  await app.register(scalar, { routePrefix: '/docs', configuration: DOCS_PAGE });

  // Built once, on first request: the route set is fixed by then.
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const byDialect = new Map<string, unknown>();
  app.get<{ Params: { dialect: string } }>('/openapi/:dialect', { schema: { hide: true } }, async (request) => {
    const name = request.params.dialect.replace(/\.json$/, '');
    if (!dialects.includes(name) || !request.params.dialect.endsWith('.json')) {
      throw new AppError('NOT_FOUND', `No OpenAPI document ${request.params.dialect}; dialects served: ${dialects.join(', ') || 'none'}`);
    }
    if (!byDialect.has(name)) {
      app.swagger(); // builds (once) the whole document
      byDialect.set(name, dialectDocument(full as never, name, additions[name]));
    }
    return byDialect.get(name);
  });
}
