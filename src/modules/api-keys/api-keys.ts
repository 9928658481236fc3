// The limit shape is shared with tenants (a tenant-wide default), so it lives in core/; re-exported for key callers.
import type { RateLimitSetting } from '../../core/rate-limit-setting.ts';

export { type RateLimitSetting, rateLimitJson, sameRateLimit } from '../../core/rate-limit-setting.ts';

/** Every scope a key may hold. A key created without scopes holds all of them. */
export const SCOPES = [
  'users:read',
  'users:write',
  'users:roles',
  'users:erase',
  'users:export',
  'users:import',
  'attributes:read',
  'attributes:write',
  'events:read',
  'companies:read',
  'companies:write',
  'plans:read',
  'plans:write',
  'sessions:read',
  'sessions:write',
] as const;

export type Scope = (typeof SCOPES)[number];

/** Length of a key secret: 64 characters of [A-Za-z0-9], about 381 bits. */
export const SECRET_LENGTH = 64;
/** The first characters of a secret, stored in clear to find the key. */
export const PREFIX_LENGTH = 12;

const SECRET_SHAPE = /^[A-Za-z0-9]{64}$/;

/** True when the presented text has the shape of a key secret. */
export function looksLikeSecret(value: string): boolean {
  return SECRET_SHAPE.test(value);
}

/** True when a caller holding `held` may use `scope`. */
export function hasScope(held: readonly string[] | null, scope: Scope): boolean {
  return held === null || held.includes(scope);
}

export interface ApiKeyView {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  brand: string | null;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The key's own limit; null means its tenant's applies. */
  rateLimit: RateLimitSetting | null;
}

/** What the auth layer knows about a caller after checking its key. */
export interface AuthenticatedKey {
  keyId: string;
  tenantId: string;
  brand: { id: string; slug: string } | null;
  scopes: readonly string[] | null;
  /** The limit in force: the key's own, else its tenant's; null means unlimited. */
  rateLimit: RateLimitSetting | null;
}
