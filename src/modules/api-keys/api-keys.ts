import type { Static } from 'typebox';
// The limit shape is shared with tenants (a tenant-wide default), so it lives in core/; re-exported for key callers.
import type { RateLimitSetting } from '../../core/rate-limit-setting.ts';
import type { KeySchema } from './api-keys.schemas.ts';

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
  'groups:read',
  'groups:write',
  'plans:read',
  'plans:write',
  'sessions:read',
  'sessions:write',
  'webhooks:read',
  'webhooks:write',
  /** The SCIM 2.0 service provider at /scim/v2 (users and, once merged, groups). */
  'scim',
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

/** An API key as the admin API returns it (never its secret). */
export type ApiKeyView = Static<typeof KeySchema>;

/** What the auth layer knows about a caller after checking its key. */
export interface AuthenticatedKey {
  keyId: string;
  tenantId: string;
  brand: { id: string; slug: string } | null;
  scopes: readonly string[] | null;
  /** The limit in force: the key's own, else its tenant's; null means unlimited. */
  rateLimit: RateLimitSetting | null;
}
