import type { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, invalidField } from '../../core/errors.ts';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import type { ImportFormat } from './import-parse.ts';
import { parseColumns } from './import-rows.ts';
import {
  ImportErrorPageSchema,
  ImportIdParams,
  ImportJobPageSchema,
  ImportJobSchema,
  ImportQuerySchema,
  PageQuerySchema,
} from './imports.schemas.ts';
import type { ImportOptions } from './imports.service.ts';

/** What the import routes use of the registry. */
export type ImportsRoutesDeps = Pick<Registry, 'imports'>;

const tags = ['imports'];
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The upload's format: `format=` or the Content-Type. */
const FORMAT_OF_TYPE: Record<string, ImportFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
  'application/json': 'json',
};

/** The raw upload: kept out of reach of Fastify's body walkers (a non-enumerable property), read once by the service. */
interface Upload {
  readonly stream: Readable;
}

/** Options may come as query parameters or as `Import-<Name>` headers (`Import-Match: email`). */
function option(request: FastifyRequest, query: Record<string, unknown>, name: string): unknown {
  if (query[name] !== undefined) return query[name];
  const header = request.headers[`import-${name.toLowerCase()}`];
  if (typeof header !== 'string') return undefined;
  return name === 'dryRun' ? header === 'true' : header;
}

/** Bulk import jobs under /v1/imports (scope users:import). */
export async function importsRoutes(fastify: FastifyInstance, { registry }: { registry: ImportsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // In this plugin only: the body is a stream the service stores as it arrives, never parsed or held whole.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/csv', 'application/octet-stream'],
    (_request, payload, done) => {
      done(null, Object.defineProperty({}, 'stream', { value: payload, enumerable: false }));
    },
  );

  app.post(
    '/imports',
    {
      config: { scope: 'users:import' },
      // Uploads may be large: the limit is ROSTER_IMPORT_MAX_BYTES, counted by the service as the body streams in.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags,
        operationId: 'createImport',
        summary: 'Upload a file of users (NDJSON, CSV, JSON array or Auth0 export) and queue its import',
        description:
          'The body is the file, streamed. Options as query parameters (or Import-<Option> headers). Answers 202 with the job; Idempotency-Key: the same file again with the same key answers the same job.',
        querystring: ImportQuerySchema,
        response: { 200: ImportJobSchema, 202: ImportJobSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      const format = (option(request, query, 'format') as ImportFormat | undefined) ?? FORMAT_OF_TYPE[type];
      if (!format) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send application/x-ndjson, text/csv or application/json, or say format=');
      const match =
        (option(request, query, 'match') as ImportOptions['match'] | undefined) ?? (format === 'auth0' ? 'externalId' : 'email');
      let columns: Record<string, string> | undefined;
      try {
        columns = parseColumns(option(request, query, 'columns') as string | undefined);
      } catch (error) {
        throw invalidField('columns', (error as Error).message, 'invalid', 'INVALID_PARAMETER');
      }
      const options: ImportOptions = {
        match,
        mode: (option(request, query, 'mode') as ImportOptions['mode'] | undefined) ?? 'upsert',
        dryRun: option(request, query, 'dryRun') === true || option(request, query, 'dryRun') === 'true',
        onError: (option(request, query, 'onError') as ImportOptions['onError'] | undefined) ?? 'skip',
        ...(option(request, query, 'delimiter') ? { delimiter: String(option(request, query, 'delimiter')) } : {}),
        ...(columns ? { columns } : {}),
      };
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !KEY.test(key))) {
        throw invalidField('idempotency-key', 'must be 1 to 255 visible ASCII characters', 'invalid', 'INVALID_PARAMETER');
      }
      const body = request.body as Upload | undefined;
      if (!body?.stream)
        throw new AppError('VALIDATION_FAILED', 'The body is the file to import', {}, [
          { field: 'body', code: 'required', message: 'is required' },
        ]);
      const { job, replayed } = await registry.imports.createImport(request.ctx, body.stream, { format, options, idempotencyKey: key });
      reply.header('location', `/v1/imports/${job.id}`);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(job);
    },
  );

  app.get(
    '/imports',
    {
      config: { scope: 'users:import' },
      schema: {
        tags,
        operationId: 'listImports',
        summary: 'List import jobs, newest first',
        querystring: PageQuerySchema,
        response: { 200: ImportJobPageSchema, ...errorResponses },
      },
    },
    async (request) => registry.imports.listImports(request.ctx, request.query),
  );

  app.get(
    '/imports/:id',
    {
      config: { scope: 'users:import' },
      schema: {
        tags,
        operationId: 'getImport',
        summary: 'An import job: status, counts, rate',
        params: ImportIdParams,
        response: { 200: ImportJobSchema, ...errorResponses },
      },
    },
    async (request) => registry.imports.getImport(request.ctx, request.params.id),
  );

  app.get(
    '/imports/:id/errors',
    {
      config: { scope: 'users:import' },
      schema: {
        tags,
        operationId: 'listImportErrors',
        summary: 'The rows an import could not apply: row, field, code, message and the row’s identifiers',
        params: ImportIdParams,
        querystring: PageQuerySchema,
        response: { 200: ImportErrorPageSchema, ...errorResponses },
      },
    },
    async (request) => registry.imports.listErrors(request.ctx, request.params.id, request.query),
  );

  app.post(
    '/imports/:id/cancel',
    {
      config: { scope: 'users:import' },
      schema: {
        tags,
        operationId: 'cancelImport',
        summary: 'Cancel an import job (rows already applied stay)',
        params: ImportIdParams,
        response: { 200: ImportJobSchema, ...errorResponses },
      },
    },
    async (request) => registry.imports.cancelImport(request.ctx, request.params.id),
  );
}
