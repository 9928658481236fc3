import type { Clock } from '../../../core/clock.ts';
import { resolvePointer } from '../../../core/json-pointer.ts';
import { boolOrNull, type Connector, ProviderError, type ProviderUser, textOrNull } from './connector.ts';
import { type OutboundPolicy, parseJson, sendOutbound, statusError } from './outbound-http.ts';

/** The fields a generic directory's answer can be mapped to. `subject` is required. */
export const HTTP_POINTER_FIELDS = [
  'subject',
  'email',
  'emailVerified',
  'firstName',
  'lastName',
  'name',
  'phone',
  'picture',
  'active',
] as const;
export type HttpPointerField = (typeof HTTP_POINTER_FIELDS)[number];

export interface HttpJsonSettings {
  /** Where the user object sits in the answer (RFC 6901; "" = the whole answer). An array there yields its first item. */
  resultPointer: string;
  /** A URL template with `{id}`, to fetch a linked user by subject; without it, lookups go by email. */
  userByIdUrl: string | null;
  /** RFC 6901 pointers, relative to the user object, for each field. */
  pointers: Partial<Record<HttpPointerField, string>> & { subject: string };
}

export interface HttpJsonOptions {
  /** A URL template with `{email}`. */
  endpoint: string;
  settings: HttpJsonSettings;
  /** Headers sent with every call (e.g. an API key); stored encrypted like any credential. */
  credentials: { headers: Record<string, string> };
  clock: Clock;
  policy: OutboundPolicy;
}

/** Fills `{name}` placeholders with URL-encoded values. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? encodeURIComponent(values[name]) : whole));
}

/** A generic HTTP JSON directory: a URL template per lookup and JSON-pointer mapping of the answer. 404 = unknown. */
export function createHttpJsonConnector(options: HttpJsonOptions): Connector {
  const { settings } = options;

  async function fetchUser(url: string, signal: AbortSignal): Promise<ProviderUser | null> {
    const response = await sendOutbound({ method: 'GET', url, headers: options.credentials.headers, signal }, options.policy);
    if (response.status === 404) return null;
    if (response.status !== 200) throw statusError(response, options.clock.now().getTime());
    let found = resolvePointer(parseJson(response), settings.resultPointer);
    if (Array.isArray(found)) found = found[0];
    if (found === undefined || found === null) return null;
    return mapHttpUser(found, settings.pointers);
  }

  return {
    canFindById: settings.userByIdUrl !== null,
    findUserByEmail: (email, signal) => fetchUser(fillTemplate(options.endpoint, { email }), signal),
    async findUserById(subject, signal) {
      if (!settings.userByIdUrl) throw new ProviderError('upstream_error', 'This provider has no by-id URL');
      return fetchUser(fillTemplate(settings.userByIdUrl, { id: subject }), signal);
    },
  };
}

/**
 * Maps a user object through JSON pointers.
 * @throws ProviderError malformed_response when the subject is missing.
 */
export function mapHttpUser(raw: unknown, pointers: HttpJsonSettings['pointers']): ProviderUser {
  const at = (field: HttpPointerField) => (pointers[field] === undefined ? undefined : resolvePointer(raw, pointers[field]));
  const subjectValue = at('subject');
  const subject = typeof subjectValue === 'number' ? String(subjectValue) : textOrNull(subjectValue);
  if (!subject) throw new ProviderError('malformed_response', 'The user has no value at the subject pointer');
  const active = boolOrNull(at('active'));
  return {
    subject,
    email: textOrNull(at('email'))?.toLowerCase() ?? null,
    emailVerified: boolOrNull(at('emailVerified')),
    firstName: textOrNull(at('firstName')),
    lastName: textOrNull(at('lastName')),
    name: textOrNull(at('name')),
    phone: textOrNull(at('phone')),
    picture: textOrNull(at('picture')),
    status: active === null ? null : active ? 'active' : 'deactivated',
    metadata: {},
  };
}
