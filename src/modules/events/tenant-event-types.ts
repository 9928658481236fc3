import { Type } from 'typebox';
import { type EventTypeEntry, Id, NullableStr, Obj, OTHER, RateLimit, Str } from './event-catalogue-parts.ts';

/** Tenants, brands and API keys. Part of EVENT_TYPES (event-types.ts). */
export const TENANT_EVENT_TYPES = {
  'tenant.created': {
    description: 'A tenant was created.',
    user: 'never',
    changes: null,
    data: Obj({ slug: Str }),
    example: { data: { slug: 'acme' } },
  },
  'tenant.updated': {
    description: "A tenant's settings changed.",
    user: 'never',
    changes: 'Each setting that changed.',
    data: null,
    example: { changes: { defaultCountry: { before: null, after: 'AR' } } },
  },
  'tenant.brand_created': {
    description: 'A brand was added to the tenant.',
    user: 'never',
    changes: null,
    data: Obj({ brandId: Id, slug: Str }),
    example: { data: { brandId: OTHER, slug: 'daily-news' } },
  },
  'api_key.created': {
    description: 'An API key was issued (the secret is never in the event).',
    user: 'never',
    changes: null,
    data: Obj({
      keyId: Id,
      name: Str,
      prefix: Str,
      brand: NullableStr,
      scopes: Type.Union([Type.Array(Str), Type.Null()]),
      rateLimit: RateLimit,
    }),
    example: { data: { keyId: OTHER, name: 'web', prefix: 'rk_live_ab12', brand: null, scopes: ['users:read'], rateLimit: null } },
  },
  'api_key.updated': {
    description: "An API key's rate limit changed.",
    user: 'never',
    changes: '`rateLimit`.',
    data: Obj({ keyId: Id, prefix: Str }),
    example: {
      data: { keyId: OTHER, prefix: 'rk_live_ab12' },
      changes: { rateLimit: { before: null, after: { max: 100, windowSeconds: 60 } } },
    },
  },
  'api_key.revoked': {
    description: 'An API key was revoked; it stops working at once.',
    user: 'never',
    changes: null,
    data: Obj({ keyId: Id, prefix: Str }),
    example: { data: { keyId: OTHER, prefix: 'rk_live_ab12' } },
  },
} as const satisfies Record<string, EventTypeEntry>;
