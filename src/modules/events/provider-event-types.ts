import { Type } from 'typebox';
import { type EventTypeEntry, NullableStr, navigaHead, Obj, OTHER, ProviderRef, ProviderRow, Str } from './event-catalogue-parts.ts';

/** Upstream identity providers and the Naviga dialect's own events. Part of EVENT_TYPES (event-types.ts). */
export const PROVIDER_EVENT_TYPES = {
  'provider.created': {
    description: 'An upstream identity provider was configured.',
    user: 'never',
    changes: null,
    data: Obj(ProviderRow),
    example: { data: { providerId: OTHER, name: 'auth0', type: 'auth0', brandId: null } },
  },
  'provider.updated': {
    description: "An identity provider's configuration changed (its secrets are never in the event).",
    user: 'never',
    changes: null,
    data: Obj(ProviderRow),
    example: { data: { providerId: OTHER, name: 'auth0', type: 'auth0', brandId: null } },
  },
  'provider.deleted': {
    description: 'An identity provider was removed.',
    user: 'never',
    changes: null,
    data: Obj(ProviderRow),
    example: { data: { providerId: OTHER, name: 'auth0', type: 'auth0', brandId: null } },
  },
  'provider.user_fetched': {
    description: "A merged lookup read the user's record from the identity provider (`cached`: served from the provider cache).",
    user: 'sometimes',
    changes: null,
    data: Obj({ ...ProviderRef, subject: Str, cached: Type.Boolean() }),
    example: { data: { provider: 'auth0', providerId: OTHER, subject: 'auth0|123', cached: false } },
  },
  'provider.unavailable': {
    description: 'A merged lookup could not reach the identity provider and answered from local data only.',
    user: 'sometimes',
    changes: null,
    data: Obj({ ...ProviderRef, reason: Str, status: Type.Union([Type.Integer(), Type.Null()]) }),
    example: { data: { provider: 'auth0', providerId: OTHER, reason: 'timeout', status: null } },
  },
  'naviga.SUBSCRIBE_USER_GET': {
    description: 'Naviga `GET /v4/Users` was called (Naviga event 4000); `found` says whether a local user matched.',
    user: 'sometimes',
    changes: null,
    data: Obj({ ...navigaHead('SUBSCRIBE_USER_GET'), found: Type.Boolean() }),
    example: { data: { code: 4000, name: 'SUBSCRIBE_USER_GET', found: true } },
  },
  'naviga.AUTHSYSTEM_USER_GET': {
    description: 'Naviga `GET /v4/Users` asked the upstream identity provider (Naviga event 4601).',
    user: 'sometimes',
    changes: null,
    data: Obj({ ...navigaHead('AUTHSYSTEM_USER_GET'), provider: NullableStr, status: Str }),
    example: { data: { code: 4601, name: 'AUTHSYSTEM_USER_GET', provider: 'auth0', status: 'ok' } },
  },
  'naviga.SUBSCRIBE_USER_UPDATE': {
    description: "Naviga `GET /v4/Users` created the local user (JIT) or linked the provider's identity to it (Naviga event 4004).",
    user: 'always',
    changes: null,
    data: Obj({ ...navigaHead('SUBSCRIBE_USER_UPDATE'), provisioned: Type.Boolean() }),
    example: { data: { code: 4004, name: 'SUBSCRIBE_USER_UPDATE', provisioned: false } },
  },
} as const satisfies Record<string, EventTypeEntry>;
