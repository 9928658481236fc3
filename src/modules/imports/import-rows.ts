import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';
import type { ImportFormat } from './import-parse.ts';

/** Fields of an exported user that are the server's own (ids, derived country data, times): an import ignores them. */
const OUTPUT_ONLY = new Set([
  'id',
  'number',
  'countryName',
  'dialCode',
  'currency',
  'createdAt',
  'updatedAt',
  'deactivatedAt',
  'version',
  'groups',
]);

/** CSV cells that hold a list: values separated by `|`. */
const LIST_FIELDS = new Set(['roles', 'brands']);

/** Parses `header=field,…` (the `columns` option). @throws Error naming the bad pair. */
export function parseColumns(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new Error(`columns: "${pair}" is not header=field`);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** A CSV cell as the native field's type: empty cells are absent, `null` clears, numbers and booleans parsed. */
function csvValue(field: string, text: string, definitions: Map<string, AttributeDefinitionRow>): unknown {
  if (text === '') return undefined;
  if (text === 'null') return null;
  const [head, name] = field.split('.', 2);
  if (LIST_FIELDS.has(field))
    return text
      .split('|')
      .map((s) => s.trim())
      .filter(Boolean);
  if (field === 'companies') return text.split('|').map((ref) => ({ ref: ref.trim() }));
  if (field === 'plans') return text.split('|').map((plan) => ({ plan: plan.trim() }));
  if (field === 'score') return Number.isFinite(Number(text)) ? Number(text) : text;
  if (field === 'sessionsLimit') return /^-?\d+$/.test(text) ? Number(text) : text;
  if (head === 'consents') return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
  if (head === 'attributes' && name) {
    const type = definitions.get(name)?.type;
    if (type === 'number') return Number.isFinite(Number(text)) ? Number(text) : text;
    if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
    if (type === 'json' || /^[[{]/.test(text)) {
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
  }
  return text;
}

/** A CSV record (header → text) as a native body: dotted headers nest (`attributes.tier`, `consents.marketingEmail`). */
function fromCsv(record: Record<string, unknown>, definitions: Map<string, AttributeDefinitionRow>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [header, text] of Object.entries(record)) {
    const value = csvValue(header, String(text), definitions);
    if (value !== undefined) setPath(out, header.split('.'), value);
  }
  return out;
}

const AUTH0_HASHERS: Record<string, string> = { bcrypt: 'bcrypt', argon2: 'argon2', argon2id: 'argon2id', scrypt: 'scrypt' };

/**
 * One user of Auth0's export (or bulk-import) format as a native body: `user_id` → externalId, names, phone,
 * `user_metadata` → attributes, `app_metadata.roles` → roles, `email_verified` → attributes.emailVerified, and
 * `custom_password_hash` (or `password_hash`, bcrypt) → an imported hash.
 */
function fromAuth0(record: Record<string, unknown>): Record<string, unknown> {
  const r = record as Record<string, any>;
  const out: Record<string, unknown> = {};
  const externalId = r.user_id ?? r.userId;
  if (externalId !== undefined) out.externalId = String(externalId);
  if (r.email !== undefined) out.email = r.email;
  if (r.given_name !== undefined) out.firstName = r.given_name;
  if (r.family_name !== undefined) out.lastName = r.family_name;
  if (r.name !== undefined) out.name = r.name;
  if (r.picture !== undefined) out.picture = r.picture;
  if (r.phone_number !== undefined) out.phone = r.phone_number;
  const attributes: Record<string, unknown> = {};
  if (r.user_metadata && typeof r.user_metadata === 'object') Object.assign(attributes, r.user_metadata);
  if (typeof r.email_verified === 'boolean') attributes.emailVerified = r.email_verified;
  if (Object.keys(attributes).length > 0) out.attributes = attributes;
  if (Array.isArray(r.app_metadata?.roles)) out.roles = r.app_metadata.roles;
  const custom = r.custom_password_hash;
  if (custom && typeof custom === 'object') {
    out.passwordHash = typeof custom.hash === 'object' ? custom.hash?.value : custom.hash;
    out.passwordHasher = AUTH0_HASHERS[String(custom.algorithm)] ?? String(custom.algorithm);
  } else if (typeof r.password_hash === 'string') {
    out.passwordHash = r.password_hash;
    out.passwordHasher = 'bcrypt';
  }
  return out;
}

/**
 * A parsed record as an import row body (checked against ImportRowSchema afterwards): the `columns` mapping
 * applied, CSV cells typed and nested, Auth0 fields mapped, and an exported user's server-side fields dropped
 * (so an export imports as it is: `brands` objects become their slugs).
 */
export function toRowBody(
  format: ImportFormat,
  record: Record<string, unknown>,
  columns: Record<string, string> | undefined,
  definitions: Map<string, AttributeDefinitionRow>,
): Record<string, unknown> {
  let source = record;
  if (columns) {
    source = {};
    for (const [key, value] of Object.entries(record)) source[columns[key] ?? key] = value;
  }
  const body = format === 'csv' ? fromCsv(source, definitions) : format === 'auth0' ? fromAuth0(source) : { ...source };
  for (const key of OUTPUT_ONLY) delete body[key];
  if (Array.isArray(body.brands))
    body.brands = body.brands.map((b) => (typeof b === 'object' && b !== null && 'slug' in b ? (b as { slug: unknown }).slug : b));
  if (Array.isArray(body.companies)) body.companies = body.companies.map((c) => (typeof c === 'string' ? { ref: c } : c));
  if (Array.isArray(body.plans)) body.plans = body.plans.map((p) => (typeof p === 'string' || typeof p === 'number' ? { plan: p } : p));
  // An export's empty lists and objects say "none", which is what a new user has: leave them out.
  for (const key of ['brands', 'companies', 'plans'] as const)
    if (Array.isArray(body[key]) && (body[key] as unknown[]).length === 0) delete body[key];
  return body;
}

/** The identifiers of a record as sent, for the error report (never a password or a hash). */
export function identifiersOf(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['email', 'phone', 'externalId', 'username'] as const) {
    const value = body[key];
    if (typeof value === 'string' && value !== '') out[key] = value.slice(0, 320);
  }
  return out;
}
