import { Type } from 'typebox';
import { type EventTypeEntry, Id, LogoutReason, Obj, OTHER, ProviderRef, Str } from './event-catalogue-parts.ts';

/** Users: profile, roles, brands, lifecycle, credentials. Part of EVENT_TYPES (event-types.ts). */
export const USER_EVENT_TYPES = {
  'user.created': {
    description: 'A user was created (native create, find-or-create or upsert that created, a dialect sign-up, JIT provisioning).',
    user: 'always',
    changes: 'Every field the create set, each with `before: null`.',
    data: null,
    example: { changes: { email: { before: null, after: 'ada@example.com' }, name: { before: null, after: 'Ada Lovelace' } } },
  },
  'user.updated': {
    description: 'Profile fields, links, consents or custom attributes of a user changed (merge patch, upsert, a dialect update).',
    user: 'always',
    changes: 'Each field that changed; custom attributes as `attributes.<name>`.',
    data: null,
    example: { changes: { firstName: { before: 'Ada', after: 'Augusta' } } },
  },
  'attribute.set': {
    description: 'Custom attribute values of a user were set through the attribute endpoints (one or many at a time).',
    user: 'always',
    changes: 'Each attribute that changed, as `attributes.<name>`.',
    data: null,
    example: { changes: { 'attributes.plan': { before: null, after: 'gold' } } },
  },
  'user.roles_changed': {
    description: "A user's roles changed: through a write that set roles, or because a role was deleted.",
    user: 'always',
    changes: '`roles`, the sorted lists before and after.',
    data: null,
    example: { changes: { roles: { before: ['member'], after: ['admin', 'member'] } } },
  },
  'user.deactivated': {
    description: 'A user was deactivated; their sessions end with it (`user.logged_out`).',
    user: 'always',
    changes: '`status`.',
    data: null,
    example: { changes: { status: { before: 'active', after: 'deactivated' } } },
  },
  'user.reactivated': {
    description: 'A deactivated user was made active again.',
    user: 'always',
    changes: '`status`.',
    data: null,
    example: { changes: { status: { before: 'deactivated', after: 'active' } } },
  },
  'user.erased': {
    description:
      "A user's personal data was erased. The user's earlier events keep their type and ids but lose their `changes` and `data`.",
    user: 'always',
    changes: null,
    data: null,
    example: {},
  },
  'user.exported': {
    description: 'Everything held about a user was exported (`GET /v1/users/{id}/export`): a notable read, naming the parts taken.',
    user: 'always',
    changes: null,
    data: Obj({ parts: Type.Array(Str) }),
    example: { data: { parts: ['user', 'credential', 'sessions', 'brands'] } },
  },
  'user.brand_joined': {
    description: 'A user joined a brand of the tenant (membership with `joined_at`).',
    user: 'always',
    changes: null,
    data: Obj({ brand: Str }),
    example: { data: { brand: 'daily-news' } },
  },
  'user.brand_left': {
    description: 'A user left a brand of the tenant.',
    user: 'always',
    changes: null,
    data: Obj({ brand: Str }),
    example: { data: { brand: 'daily-news' } },
  },
  'user.logged_out': {
    description: 'Every session of a user ended at once: force logout, deactivation, erasure or a password change.',
    user: 'always',
    changes: null,
    data: Obj({ reason: LogoutReason, sessionIds: Type.Array(Id) }),
    example: { data: { reason: 'logout', sessionIds: [OTHER] } },
  },
  'user.provisioned': {
    description: 'A lookup created the local user from the identity provider (just-in-time provisioning).',
    user: 'always',
    changes: null,
    data: Obj({ ...ProviderRef, subject: Str }),
    example: { data: { provider: 'auth0', providerId: OTHER, subject: 'auth0|123' } },
  },
  'user.linked': {
    description: "A lookup linked the identity provider's subject to the local user.",
    user: 'always',
    changes: null,
    data: Obj({ ...ProviderRef, subject: Str }),
    example: { data: { provider: 'auth0', providerId: OTHER, subject: 'auth0|123' } },
  },
  'credential.changed': {
    description: "A user's password credential was set, imported or rehashed (never the password or the hash itself).",
    user: 'always',
    changes: null,
    data: Obj({
      kind: Type.Literal('password'),
      hasher: Str,
      imported: Type.Optional(Type.Boolean()),
      rehashed: Type.Optional(Type.Boolean()),
    }),
    example: { data: { kind: 'password', hasher: 'argon2id', imported: false } },
  },
} as const satisfies Record<string, EventTypeEntry>;
