import { stringify } from 'csv-stringify/sync';
import { LINK_KINDS } from '../modules/users/users.ts';
import type { ExportedUser, ExportInclude, ExportItem } from './export-users.ts';

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
export async function* encodeExport(
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
