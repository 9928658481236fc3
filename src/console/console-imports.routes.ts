import type { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../core/errors.ts';
import type { BulkMode, MatchField } from '../modules/users/users-bulk.service.ts';
import type { Registry } from '../registry.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleImportsRoutesDeps = Pick<Registry, 'tenants' | 'imports'>;

const TenantId = Type.String({ minLength: 1, maxLength: 64 });
const TenantParams = Type.Object({ tenantId: TenantId });
const JobParams = Type.Object({ tenantId: TenantId, id: Type.String({ maxLength: 64 }) });
const UploadQuery = Type.Object(
  {
    match: Type.Optional(Type.Union(['email', 'externalId', 'phone', 'username'].map((m) => Type.Literal(m)))),
    mode: Type.Optional(Type.Union(['upsert', 'create', 'update'].map((m) => Type.Literal(m)))),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** The upload, kept out of reach of Fastify's body walkers (a non-enumerable property), read once by the service. */
interface Upload {
  readonly stream: Readable;
}

/** CSV imports from the console: upload (streamed to the service), the job's progress, its error report, cancel. */
export async function consoleImportsRoutes(fastify: FastifyInstance, { registry }: { registry: ConsoleImportsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { imports } = registry;
  // In this plugin only: a CSV body is a stream the service stores as it arrives.
  app.addContentTypeParser('text/csv', (_request, payload, done) => {
    done(null, Object.defineProperty({}, 'stream', { value: payload, enumerable: false }));
  });

  app.post(
    '/tenants/:tenantId/imports',
    // The size limit is ROSTER_IMPORT_MAX_BYTES, counted by the service as the body streams in.
    { bodyLimit: Number.MAX_SAFE_INTEGER, schema: { params: TenantParams, querystring: UploadQuery } },
    async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      const body = request.body as Upload | undefined;
      if (!body?.stream) {
        throw new AppError('VALIDATION_FAILED', 'Choose a CSV file to import', {}, [
          { field: 'file', code: 'required', message: 'a CSV file (text/csv) is required' },
        ]);
      }
      const { match = 'email', mode = 'upsert', dryRun = false } = request.query;
      const { job } = await imports.createImport(ctx, body.stream, {
        format: 'csv',
        options: { match: match as MatchField, mode: mode as BulkMode, dryRun, onError: 'skip' },
      });
      return reply.code(202).send(job);
    },
  );

  app.get('/tenants/:tenantId/imports', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return imports.listImports(ctx, { limit: 20 });
  });

  app.get('/tenants/:tenantId/imports/:id', { schema: { params: JobParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return imports.getImport(ctx, request.params.id);
  });

  app.get(
    '/tenants/:tenantId/imports/:id/errors',
    { schema: { params: JobParams, querystring: Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 512 })) }) } },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return imports.listErrors(ctx, request.params.id, { ...request.query, limit: 100 });
    },
  );

  // Rows already applied stay; the job stops after its current batch.
  app.post('/tenants/:tenantId/imports/:id/cancel', { schema: { params: JobParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return imports.cancelImport(ctx, request.params.id);
  });
}
