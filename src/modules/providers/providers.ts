import type { Static } from 'typebox';
/** Upstream identity providers: types, input rules and the merge of a provider's user with the local one. */
import { invalidField } from '../../core/errors.ts';
import { isJsonPointer } from '../../core/json-pointer.ts';
import type { ProviderUser } from './connectors/connector.ts';
import { HTTP_POINTER_FIELDS } from './connectors/http-json.connector.ts';
import { endpointProblem, type OutboundPolicy } from './connectors/outbound-http.ts';
import type { Credentials, ProviderSchema, ProviderUpdateSchema, Settings } from './providers.schemas.ts';

export const PROVIDER_TYPES = ['auth0', 'scim', 'http'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Fields a provider can supply; each has a source of truth. */
export const MERGE_FIELDS = ['email', 'firstName', 'lastName', 'name', 'phone', 'picture', 'status'] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];
export type Source = 'provider' | 'local';
export type FieldMapping = Record<MergeField, Source>;

/** By default the provider is the source of truth for every field it supplies; local values fill its gaps. */
export const DEFAULT_FIELD_MAPPING: FieldMapping = Object.fromEntries(MERGE_FIELDS.map((f) => [f, 'provider'])) as FieldMapping;

export const DEFAULT_TIMEOUT_MS = 2000;
export const DEFAULT_CACHE_TTL_SECONDS = 0;

/** Non-secret, type-specific settings (stored in clear). */
export type ProviderSettings = Static<typeof Settings>;

/** Secrets, stored sealed. Which members apply depends on the type. */
export type ProviderCredentials = Static<typeof Credentials>;

/** A provider as the admin API accepts it; on an update, absent fields are left alone. */
export type ProviderInput = Static<typeof ProviderUpdateSchema>;

/** A provider as the admin API shows it: never its credentials. */
export type ProviderView = Static<typeof ProviderSchema>;

/** Binds sealed credentials to their row: a ciphertext copied to another provider or tenant does not open. */
export function sealingContext(tenantId: string, providerId: string): string {
  return `identity_providers:${tenantId}:${providerId}`;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkUrl(field: string, value: string, policy: OutboundPolicy, placeholder?: string): void {
  if (placeholder && !value.includes(`{${placeholder}}`))
    throw invalidField(field, `must contain the {${placeholder}} placeholder`, 'invalid_url');
  const problem = endpointProblem(value.replace(/\{\w+\}/g, 'x'), policy);
  if (problem) throw invalidField(field, problem, 'invalid_url');
}

function requireText(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') throw invalidField(field, 'is required', 'required');
}

/**
 * Checks a complete provider configuration (after defaults and, on update, the stored values).
 * @throws AppError VALIDATION_FAILED naming the field.
 */
export function validateProvider(
  p: { name: string; type: ProviderType; endpoint: string; settings: ProviderSettings; credentials: ProviderCredentials },
  policy: OutboundPolicy,
): void {
  if (!NAME.test(p.name)) throw invalidField('name', 'must be lower-case letters, digits and inner hyphens (1-64)', 'invalid_slug');
  checkUrl('endpoint', p.endpoint, policy, p.type === 'http' ? 'email' : undefined);
  const { settings, credentials } = p;
  if (p.type === 'auth0') {
    requireText('credentials.clientId', credentials.clientId);
    requireText('credentials.clientSecret', credentials.clientSecret);
    if (settings.audience !== undefined) requireText('settings.audience', settings.audience);
  }
  if (p.type === 'scim') requireText('credentials.token', credentials.token);
  if (p.type === 'http') {
    for (const header of Object.keys(credentials.headers ?? {})) {
      if (!HEADER_NAME.test(header)) throw invalidField(`credentials.headers.${header}`, 'is not a valid header name', 'invalid');
    }
    if (settings.userByIdUrl !== undefined) checkUrl('settings.userByIdUrl', settings.userByIdUrl, policy, 'id');
    if (settings.resultPointer !== undefined && !isJsonPointer(settings.resultPointer)) {
      throw invalidField('settings.resultPointer', 'must be a JSON Pointer (RFC 6901)', 'invalid_pointer');
    }
    const pointers = settings.pointers ?? {};
    if (pointers.subject === undefined) throw invalidField('settings.pointers.subject', 'is required', 'required');
    for (const [field, pointer] of Object.entries(pointers)) {
      if (!(HTTP_POINTER_FIELDS as readonly string[]).includes(field)) {
        throw invalidField(`settings.pointers.${field}`, `is not one of ${HTTP_POINTER_FIELDS.join(', ')}`, 'unknown_field');
      }
      if (!isJsonPointer(pointer)) throw invalidField(`settings.pointers.${field}`, 'must be a JSON Pointer (RFC 6901)', 'invalid_pointer');
    }
  } else {
    for (const key of ['resultPointer', 'userByIdUrl', 'pointers'] as const) {
      if (settings[key] !== undefined) throw invalidField(`settings.${key}`, 'applies to http providers only', 'unknown_field');
    }
  }
  if (p.type !== 'auth0' && settings.audience !== undefined) {
    throw invalidField('settings.audience', 'applies to auth0 providers only', 'unknown_field');
  }
}

/** The local values a merge reads (a UserView has them all). */
export type LocalFields = Record<Exclude<MergeField, 'status'>, string | null> & { status: string };

export interface MergedUser {
  /** The local user's id, when there is one. */
  id: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  phone: string | null;
  picture: string | null;
  status: string | null;
  /** Known only from the provider. */
  emailVerified: boolean | null;
  /** The provider's extras (Auth0 user/app metadata, SCIM userName); empty without a provider user. */
  metadata: Record<string, unknown>;
}

export interface MergeResult {
  merged: MergedUser;
  /** For each field with a value, where it came from. */
  sources: Partial<Record<MergeField, Source>>;
}

/**
 * Merges a local user and a provider's user field by field: the field's source of truth wins when it has a
 * value, and the other side fills a gap. Pure: no I/O, no clock.
 */
export function mergeUser(local: (LocalFields & { id: string }) | null, remote: ProviderUser | null, mapping: FieldMapping): MergeResult {
  const merged: MergedUser = {
    id: local?.id ?? null,
    email: null,
    firstName: null,
    lastName: null,
    name: null,
    phone: null,
    picture: null,
    status: null,
    emailVerified: remote?.emailVerified ?? null,
    metadata: remote?.metadata ?? {},
  };
  const sources: MergeResult['sources'] = {};
  for (const field of MERGE_FIELDS) {
    const values: Record<Source, string | null> = { local: local ? local[field] : null, provider: remote ? remote[field] : null };
    const first = mapping[field];
    const second: Source = first === 'provider' ? 'local' : 'provider';
    const source = values[first] !== null ? first : values[second] !== null ? second : null;
    if (source) {
      merged[field] = values[source];
      sources[field] = source;
    }
  }
  return { merged, sources };
}
