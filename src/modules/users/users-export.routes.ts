import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { invalidField } from '../../core/errors.ts';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import type { ExportInclude } from '../../use-cases/export-users.ts';
import { UserListQuerySchema } from './users.schemas.ts';

/** What the export route uses of the registry. */
export type UsersExportRoutesDeps = Pick<Registry, 'usersExport'>;

const { cursor: _cursor, limit: _limit, count: _count, sort: _sort, ...filters } = UserListQuerySchema.properties;
const ExportQuerySchema = Type.Object(
  {
    ...filters,
    format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' })),
    include: Type.Optional(Type.String({ maxLength: 64, description: 'Comma-separated: companies, plans' })),
  },
  { additionalProperties: false, patternProperties: { '^attributes\\.[A-Za-z][A-Za-z0-9_]{0,63}$': { type: 'string', maxLength: 1024 } } },
);

/** GET /v1/users/export: every matching user, streamed from one snapshot. */
export async function usersExportRoutes(fastify: FastifyInstance, { registry }: { registry: UsersExportRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/users/export',
    {
      config: { scope: 'users:export' },
      schema: {
        tags: ['users'],
        operationId: 'exportUsers',
        summary: 'Export users (NDJSON or CSV), streamed from one consistent snapshot; the same filters as GET /v1/users',
        querystring: ExportQuerySchema,
        response: {
          200: {
            description: 'One user per line (NDJSON) or per row after a header row (CSV)',
            content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const {
        format = 'ndjson',
        include: rawInclude,
        ...rest
      } = request.query as Record<string, unknown> & { format?: 'ndjson' | 'csv'; include?: string };
      const include = new Set<ExportInclude>();
      for (const part of (rawInclude ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (part !== 'companies' && part !== 'plans')
          throw invalidField('include', 'must list companies and/or plans', 'invalid', 'INVALID_PARAMETER');
        include.add(part);
      }
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(rest)) {
        if (key.startsWith('attributes.')) {
          attributes[key.slice('attributes.'.length)] = String(value);
          delete rest[key];
        }
      }
      const text = await registry.usersExport.exportText(request.ctx, { ...rest, attributes }, include, format);
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="users.${format === 'csv' ? 'csv' : 'ndjson'}"`);
      return reply.send(Readable.from(text));
    },
  );
}
