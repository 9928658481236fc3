import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';

/**
 * The /docs page, set up for a self-hosted product: nothing it shows or loads leaves this server. No SaaS toolbar
 * (Share, Deploy, Generate MCP), no "Ask AI" agent, no developer tools, no fonts from fonts.scalar.com (the browser's
 * own), no telemetry, and curl as the first example.
 */
export const DOCS_PAGE = {
  url: '/openapi.json',
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

/** OpenAPI 3.1 document generation and the /docs reference page. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
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
        { name: 'sessions', description: 'Sign-in, access and refresh tokens, sessions and logout' },
        { name: 'events', description: 'The change feed' },
        { name: 'admin', description: 'Platform administration (admin token)' },
        { name: 'system', description: 'Health and readiness' },
        { name: 'tagmango', description: 'TagMango external users API (dialect; see docs/dialects.md)' },
        { name: 'thanx', description: 'Thanx users API (dialect)' },
        { name: 'publicala', description: 'Publica.la integration users API (dialect)' },
        { name: 'usercom', description: 'User.com public users API (dialect)' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(scalar, { routePrefix: '/docs', configuration: DOCS_PAGE });
}
