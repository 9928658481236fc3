/** What every upstream directory connector offers, and the normalized user it returns. */

/** A user as the upstream provider describes it, normalized to Roster's field names. */
export interface ProviderUser {
  /** The provider's own id of the user (Auth0 `user_id`, SCIM `id`). */
  subject: string;
  email: string | null;
  emailVerified: boolean | null;
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  phone: string | null;
  picture: string | null;
  /** `deactivated` when the provider blocks the user (Auth0 `blocked`, SCIM `active: false`). */
  status: 'active' | 'deactivated' | null;
  /** Provider-specific extras (Auth0 user and app metadata, SCIM userName). */
  metadata: Record<string, unknown>;
}

/** One upstream directory. Both methods answer null when the provider does not know the user. */
export interface Connector {
  /** @throws ProviderError when the provider cannot answer (timeout, 5xx, 429, malformed answer, refused address). */
  findUserByEmail(email: string, signal: AbortSignal): Promise<ProviderUser | null>;
  /** @throws ProviderError as findUserByEmail. */
  findUserById(subject: string, signal: AbortSignal): Promise<ProviderUser | null>;
  /** False when the provider cannot be asked by id (a generic HTTP directory without a by-id URL). */
  readonly canFindById: boolean;
}

export type ProviderFailure =
  | 'timeout'
  | 'network'
  | 'blocked_address'
  | 'redirect'
  | 'rate_limited'
  | 'upstream_error'
  | 'auth_failed'
  | 'malformed_response'
  | 'response_too_large'
  | 'circuit_open'
  | 'credentials_unreadable';

/** A provider that could not answer. The message never holds credentials or tokens. */
export class ProviderError extends Error {
  readonly reason: ProviderFailure;
  /** The upstream HTTP status, when there was one. */
  readonly status: number | null;
  /** For rate limits: when the provider said to come back (ms since the epoch). */
  readonly retryAt: number | null;

  constructor(reason: ProviderFailure, message: string, options: { status?: number; retryAt?: number | null } = {}) {
    super(message);
    this.name = 'ProviderError';
    this.reason = reason;
    this.status = options.status ?? null;
    this.retryAt = options.retryAt ?? null;
  }
}

/** A non-empty trimmed string, else null: upstreams send "" and non-strings where they mean nothing. */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function boolOrNull(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}
