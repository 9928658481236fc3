import type { Clock } from '../../../core/clock.ts';
import { boolOrNull, type Connector, ProviderError, type ProviderUser, textOrNull } from './connector.ts';
import { type OutboundPolicy, type OutboundResponse, parseJson, sendOutbound, statusError } from './outbound-http.ts';

export interface Auth0Credentials {
  clientId: string;
  clientSecret: string;
}

export interface Auth0Options {
  /** The tenant's domain as a URL, e.g. https://acme.eu.auth0.com */
  endpoint: string;
  /** Management API audience; `{endpoint}/api/v2/` by default. */
  audience?: string;
  credentials: Auth0Credentials;
  clock: Clock;
  policy: OutboundPolicy;
}

/** A token is renewed this long before Auth0 says it expires, so no call carries one that lapses in flight. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Auth0 Management API v2: a client-credentials token (cached until shortly before it expires), then
 * `GET /api/v2/users-by-email` and `GET /api/v2/users/{id}`. A 401 refreshes the token once and retries.
 */
export function createAuth0Connector(options: Auth0Options): Connector {
  const base = options.endpoint.replace(/\/+$/, '');
  const audience = options.audience ?? `${base}/api/v2/`;
  let token: { value: string; expiresAt: number } | null = null;

  async function fetchToken(signal: AbortSignal): Promise<string> {
    const response = await sendOutbound(
      {
        method: 'POST',
        url: `${base}/oauth/token`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: options.credentials.clientId,
          client_secret: options.credentials.clientSecret,
          audience,
        }),
        signal,
      },
      options.policy,
    );
    if (response.status !== 200) throw statusError(response, options.clock.now().getTime());
    const body = parseJson(response) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new ProviderError('malformed_response', 'The token answer has no access_token', { status: 200 });
    }
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    token = { value: body.access_token, expiresAt: options.clock.now().getTime() + expiresIn * 1000 - EXPIRY_MARGIN_MS };
    return token.value;
  }

  async function currentToken(signal: AbortSignal): Promise<string> {
    if (token && token.expiresAt > options.clock.now().getTime()) return token.value;
    return fetchToken(signal);
  }

  async function get(path: string, signal: AbortSignal): Promise<OutboundResponse> {
    const call = async (bearer: string) =>
      sendOutbound({ method: 'GET', url: `${base}${path}`, headers: { authorization: `Bearer ${bearer}` }, signal }, options.policy);
    let response = await call(await currentToken(signal));
    if (response.status === 401) {
      // The token may have been revoked or rotated early: one fresh token, one retry.
      token = null;
      response = await call(await fetchToken(signal));
    }
    return response;
  }

  return {
    canFindById: true,
    async findUserByEmail(email, signal) {
      const response = await get(`/api/v2/users-by-email?email=${encodeURIComponent(email)}`, signal);
      if (response.status !== 200) throw statusError(response, options.clock.now().getTime());
      const users = parseJson(response);
      if (!Array.isArray(users)) throw new ProviderError('malformed_response', 'users-by-email did not answer an array', { status: 200 });
      // Several identities may share an email (a database and a social connection); prefer a verified one.
      const chosen = users.find((u) => u?.email_verified === true) ?? users[0];
      return chosen === undefined ? null : mapAuth0User(chosen);
    },
    async findUserById(subject, signal) {
      const response = await get(`/api/v2/users/${encodeURIComponent(subject)}`, signal);
      if (response.status === 404) return null;
      if (response.status !== 200) throw statusError(response, options.clock.now().getTime());
      return mapAuth0User(parseJson(response));
    },
  };
}

/**
 * Maps an Auth0 user object.
 * @throws ProviderError malformed_response when it has no user_id.
 */
export function mapAuth0User(raw: unknown): ProviderUser {
  const user = (raw ?? {}) as Record<string, unknown>;
  const subject = textOrNull(user.user_id);
  if (!subject) throw new ProviderError('malformed_response', 'An Auth0 user has no user_id');
  const objectOrEmpty = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});
  return {
    subject,
    email: textOrNull(user.email)?.toLowerCase() ?? null,
    emailVerified: boolOrNull(user.email_verified),
    firstName: textOrNull(user.given_name),
    lastName: textOrNull(user.family_name),
    name: textOrNull(user.name),
    phone: textOrNull(user.phone_number),
    picture: textOrNull(user.picture),
    status: user.blocked === true ? 'deactivated' : 'active',
    metadata: { userMetadata: objectOrEmpty(user.user_metadata), appMetadata: objectOrEmpty(user.app_metadata) },
  };
}
