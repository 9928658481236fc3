import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { invalidField } from '../../core/errors.ts';
import { errorResponses } from '../../core/schemas.ts';
import type { Registry } from '../../registry.ts';
import type { ExportedUser, ExportInclude, ExportItem } from '../../use-cases/export-users.ts';
import { UserListQuerySchema } from './users.schemas.ts';
import { LINK_KINDS } from './users.ts';

/** What the export route uses of the registry. */
export type UsersExportRoutesDeps = Pick<Registry, 'usersExport'>;

const { cursor: _cursor, limit: _limit, count: _count, ...filters } = UserListQuerySchema.properties;
const ExportQuerySchema = Type.Object(
  {
    ...filters,
    format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' })),
    include: Type.Optional(Type.String({ maxLength: 64, description: 'Comma-separated: companies, plans' })),
  },
  { additionalProperties: false, patternProperties: { '^attributes\\.[A-Za-z][A-Za-z0-9_]{0,63}$': { type: 'string', maxLength: 1024 } } },
);

const FIXED = [
  'id',
  'number',
  'externalId',
  'email',
  'phone',
  'name',
  'firstName',
  'lastName',
  'birthDate',
  'gender',
  'postalCode',
  'city',
  'region',
  'country',
  'timezone',
  'locale',
  'picture',
  'score',
  'status',
  'roles',
  'sessionsLimit',
  'brands',
] as const;

/** CSV columns: the user's fields, dotted links/consents/attributes (the import reads them back), lists joined by `|`. */
function csvColumns(keys: { attributes: string[]; consents: string[] }, include: ReadonlySet<ExportInclude>): string[] {
  return [
    ...FIXED,
    ...LINK_KINDS.map((k) => `links.${k}`),
    ...keys.consents.map((k) => `consents.${k}`),
    ...keys.attributes.map((k) => `attributes.${k}`),
    ...[...include],
    'createdAt',
    'updatedAt',
  ];
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function csvRecord(user: ExportedUser, columns: string[]): string[] {
  const u = user as unknown as Record<string, unknown>;
  return columns.map((column) => {
    if (column === 'roles') return user.roles.join('|');
    if (column === 'brands') return user.brands.map((b) => b.slug).join('|');
    if (column === 'companies' || column === 'plans') return ((u[column] as string[] | undefined) ?? []).join('|');
    const dot = column.indexOf('.');
    if (dot > 0) return cell((u[column.slice(0, dot)] as Record<string, unknown>)[column.slice(dot + 1)]);
    return cell(u[column]);
  });
}

/** Encodes an export stream, in ~64 KiB pieces. */
async function* encode(
  items: AsyncGenerator<ExportItem>,
  format: 'ndjson' | 'csv',
  include: ReadonlySet<ExportInclude>,
): AsyncGenerator<string> {
  let columns: string[] = [];
  let buffer = '';
  for await (const item of items) {
    if (item.kind === 'keys') {
      if (format === 'csv') {
        columns = csvColumns(item, include);
        buffer += stringify([columns]);
      }
      continue;
    }
    buffer += format === 'csv' ? stringify([csvRecord(item.user, columns)]) : `${JSON.stringify(item.user)}\n`;
    if (buffer.length >= 65536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

/** GET /v1/users/export: every matching user, streamed from one snapshot. */
export async function usersExportRoutes(fastify: FastifyInstance, { registry }: { registry: UsersExportRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/users/export',
    {
      config: { scope: 'users:export' },
      schema: {
        tags: ['users'],
        summary: 'Export users (NDJSON or CSV), streamed from one consistent snapshot; the same filters as GET /v1/users',
        querystring: ExportQuerySchema,
        response: { ...errorResponses },
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
      const items = await registry.usersExport.exportUsers(request.ctx, { ...rest, attributes }, include);
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="users.${format === 'csv' ? 'csv' : 'ndjson'}"`);
      return reply.send(Readable.from(encode(items, format, include)));
    },
  );
}
