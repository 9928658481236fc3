import type { Clock } from '../../../core/clock.ts';
import { boolOrNull, type Connector, ProviderError, type ProviderUser, textOrNull } from './connector.ts';
import { type OutboundPolicy, parseJson, sendOutbound, statusError } from './outbound-http.ts';

export interface ScimOptions {
  /** The service provider's base URL; `/Users` is appended. */
  endpoint: string;
  credentials: { token: string };
  clock: Clock;
  policy: OutboundPolicy;
}

const SCIM_JSON = 'application/scim+json, application/json';

/** A string literal of an RFC 7644 filter: quotes and backslashes escaped as in JSON. */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

/** A SCIM 2.0 client (RFC 7644): `GET /Users?filter=emails.value eq "…"` and `GET /Users/{id}`, bearer auth. */
export function createScimConnector(options: ScimOptions): Connector {
  const base = options.endpoint.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${options.credentials.token}`, accept: SCIM_JSON };
  const now = () => options.clock.now().getTime();

  return {
    canFindById: true,
    async findUserByEmail(email, signal) {
      const filter = encodeURIComponent(`emails.value eq ${scimString(email)}`);
      const response = await sendOutbound({ method: 'GET', url: `${base}/Users?filter=${filter}`, headers, signal }, options.policy);
      if (response.status !== 200) throw statusError(response, now());
      const list = parseJson(response) as { Resources?: unknown; totalResults?: unknown };
      if (!list || typeof list !== 'object' || typeof list.totalResults !== 'number') {
        throw new ProviderError('malformed_response', 'The SCIM answer is not a ListResponse', { status: 200 });
      }
      // Resources may be omitted when totalResults is 0 (RFC 7644 §3.4.2).
      const resources = list.Resources ?? [];
      if (!Array.isArray(resources)) throw new ProviderError('malformed_response', 'Resources is not an array', { status: 200 });
      return resources.length === 0 ? null : mapScimUser(resources[0]);
    },
    async findUserById(subject, signal) {
      const url = `${base}/Users/${encodeURIComponent(subject)}`;
      const response = await sendOutbound({ method: 'GET', url, headers, signal }, options.policy);
      if (response.status === 404) return null;
      if (response.status !== 200) throw statusError(response, now());
      return mapScimUser(parseJson(response));
    },
  };
}

type MultiValued = { value?: unknown; primary?: unknown }[];

function primaryValue(values: unknown): string | null {
  if (!Array.isArray(values)) return null;
  const list = values as MultiValued;
  return textOrNull((list.find((v) => v?.primary === true) ?? list[0])?.value);
}

/**
 * Maps a SCIM User resource (urn:ietf:params:scim:schemas:core:2.0:User).
 * @throws ProviderError malformed_response when it has no id.
 */
export function mapScimUser(raw: unknown): ProviderUser {
  const user = (raw ?? {}) as Record<string, unknown>;
  const subject = textOrNull(user.id);
  if (!subject) throw new ProviderError('malformed_response', 'A SCIM user has no id');
  const name = (user.name ?? {}) as Record<string, unknown>;
  const active = boolOrNull(user.active);
  return {
    subject,
    email: primaryValue(user.emails)?.toLowerCase() ?? null,
    emailVerified: null,
    firstName: textOrNull(name.givenName),
    lastName: textOrNull(name.familyName),
    name: textOrNull(name.formatted) ?? textOrNull(user.displayName),
    phone: primaryValue(user.phoneNumbers),
    picture: primaryValue(user.photos),
    status: active === null ? null : active ? 'active' : 'deactivated',
    metadata: { userName: textOrNull(user.userName) },
  };
}
