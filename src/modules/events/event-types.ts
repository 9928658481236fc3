import { type Static, type TSchema, Type } from 'typebox';

/**
 * The event catalogue: every event type Roster writes, what it means and the shape of its `data`. It is a public
 * contract (webhook receivers and feed readers branch on `type` and read `data`), documented in docs/events.md and
 * kept in step with it by a test: add types and optional fields freely; never rename, remove or retype one.
 *
 * `user` says whether the event names a user (`userId`); `changes` says what the `changes` map holds (null: the
 * event carries none); `data` is the TypeBox schema of the payload (null: the event carries none).
 */
export interface EventTypeEntry {
  readonly description: string;
  readonly user: 'always' | 'sometimes' | 'never';
  readonly changes: string | null;
  readonly data: TSchema | null;
  readonly example: { readonly changes?: Changes; readonly data?: Record<string, unknown> };
}

/** Field → value before and after the change; secret fields read `[redacted]`. */
export type Changes = Record<string, { before: unknown; after: unknown }>;

const Str = Type.String();
const NullableStr = Type.Union([Type.String(), Type.Null()]);
const Id = Type.String({ format: 'uuid' });
const NullableId = Type.Union([Id, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Obj = <P extends Record<string, TSchema>>(properties: P) => Type.Object(properties, { additionalProperties: false });

/** Naviga's own event ids, written as `naviga.<NAME>` with `data.code` holding the id (seed 004). */
export const NAVIGA_EVENT_CODES = {
  SUBSCRIBE_USER_GET: 4000,
  AUTHSYSTEM_USER_GET: 4601,
  SUBSCRIBE_USER_UPDATE: 4004,
} as const;

const navigaHead = <N extends keyof typeof NAVIGA_EVENT_CODES>(name: N) => ({
  code: Type.Literal(NAVIGA_EVENT_CODES[name]),
  name: Type.Literal(name),
});

const SessionRevokedReason = Type.Union([Type.Literal('logout'), Type.Literal('evicted'), Type.Literal('refresh_token_reuse')]);
const LogoutReason = Type.Union([
  Type.Literal('logout'),
  Type.Literal('deactivated'),
  Type.Literal('erased'),
  Type.Literal('password_changed'),
]);
const ProviderRef = { provider: Str, providerId: Id };
const ProviderRow = { providerId: Id, name: Str, type: Str, brandId: NullableId };
const RateLimit = Type.Union([Obj({ max: Type.Integer(), windowSeconds: Type.Integer() }), Type.Null()]);

const USER = '018f0a4c-1f2e-7c3d-9b4a-5e6f7a8b9c0d';
const OTHER = '018f0a4c-2a3b-7c4d-8e5f-6a7b8c9d0e1f';

export const EVENT_TYPES = {
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
  'session.created': {
    description: 'A user signed in: a session and its refresh-token family were opened.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id, method: Type.Union([Type.Literal('password'), Type.Literal('passwordless')]) }),
    example: { data: { sessionId: OTHER, method: 'password' } },
  },
  'session.refreshed': {
    description: 'A refresh token was used and rotated.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id }),
    example: { data: { sessionId: OTHER } },
  },
  'session.revoked': {
    description: 'One session ended: logout, evicted by `sessions_limit`, or revoked because its refresh token was replayed.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id, reason: SessionRevokedReason }),
    example: { data: { sessionId: OTHER, reason: 'evicted' } },
  },
  'session.reuse_detected': {
    description: 'A refresh token that had already been rotated was presented again; its family is revoked.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id }),
    example: { data: { sessionId: OTHER } },
  },
  'signin.failed': {
    description: 'A password sign-in failed. `identifier` says which kind was given, never its value.',
    user: 'sometimes',
    changes: null,
    data: Obj({
      identifier: Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Literal('externalId')]),
      reason: Type.Union([
        Type.Literal('unknown_user'),
        Type.Literal('no_password'),
        Type.Literal('wrong_password'),
        Type.Literal('deactivated'),
      ]),
    }),
    example: { data: { identifier: 'email', reason: 'wrong_password' } },
  },
  'signin.unlocked': {
    description: 'An operator cleared the sign-in throttle of a user or of an IP address.',
    user: 'sometimes',
    changes: null,
    data: Obj({ cleared: Type.Integer(), ip: Type.Optional(Str) }),
    example: { data: { cleared: 3 } },
  },
  'company.created': {
    description: 'A company was created (directly, or on joining a company that did not exist yet).',
    user: 'never',
    changes: 'Every field the create set.',
    data: Obj({ companyId: Id }),
    example: { data: { companyId: OTHER }, changes: { name: { before: null, after: 'Acme' } } },
  },
  'company.updated': {
    description: "A company's fields changed.",
    user: 'never',
    changes: 'Each field that changed.',
    data: Obj({ companyId: Id }),
    example: { data: { companyId: OTHER }, changes: { name: { before: 'Acme', after: 'Acme Inc.' } } },
  },
  'company.deleted': {
    description: 'A company was deleted with its memberships.',
    user: 'never',
    changes: null,
    data: Obj({ companyId: Id, externalId: NullableStr, name: Str, membersRemoved: Type.Integer() }),
    example: { data: { companyId: OTHER, externalId: 'acme', name: 'Acme', membersRemoved: 2 } },
  },
  'company.member_added': {
    description: 'A user became a member of a company.',
    user: 'always',
    changes: '`role` and `title`, before null.',
    data: Obj({ companyId: Id, externalId: NullableStr }),
    example: {
      data: { companyId: OTHER, externalId: 'acme' },
      changes: { role: { before: null, after: 'admin' }, title: { before: null, after: null } },
    },
  },
  'company.member_updated': {
    description: "A user's role or title in a company changed.",
    user: 'always',
    changes: 'Each of `role` and `title` that changed.',
    data: Obj({ companyId: Id, externalId: NullableStr }),
    example: { data: { companyId: OTHER, externalId: 'acme' }, changes: { title: { before: null, after: 'CTO' } } },
  },
  'company.member_removed': {
    description: 'A user left a company.',
    user: 'always',
    changes: '`role` and `title`, after null.',
    data: Obj({ companyId: Id, externalId: NullableStr }),
    example: {
      data: { companyId: OTHER, externalId: 'acme' },
      changes: { role: { before: 'admin', after: null }, title: { before: null, after: null } },
    },
  },
  'plan.created': {
    description: 'A plan was defined.',
    user: 'never',
    changes: 'Every field the create set.',
    data: Obj({ planId: Id, number: Type.Integer() }),
    example: { data: { planId: OTHER, number: 1 }, changes: { name: { before: null, after: 'Gold' } } },
  },
  'plan.updated': {
    description: "A plan's fields changed.",
    user: 'never',
    changes: 'Each field that changed.',
    data: Obj({ planId: Id, number: Type.Integer() }),
    example: { data: { planId: OTHER, number: 1 }, changes: { name: { before: 'Gold', after: 'Gold+' } } },
  },
  'plan.assigned': {
    description: 'A user was given a plan from `validFrom` until `validTo` (null: open-ended).',
    user: 'always',
    changes: null,
    data: Obj({
      assignmentId: Id,
      planId: Id,
      planNumber: Type.Integer(),
      validFrom: Timestamp,
      validTo: Type.Union([Timestamp, Type.Null()]),
    }),
    example: { data: { assignmentId: USER, planId: OTHER, planNumber: 1, validFrom: '2026-01-01T00:00:00.000Z', validTo: null } },
  },
  'plan.ended': {
    description: "A user's plan assignment was ended before its end date.",
    user: 'always',
    changes: null,
    data: Obj({ assignmentId: Id, planId: Id, endedAt: Timestamp }),
    example: { data: { assignmentId: USER, planId: OTHER, endedAt: '2026-02-01T00:00:00.000Z' } },
  },
  'role.defined': {
    description: 'A custom role was defined for the tenant.',
    user: 'never',
    changes: null,
    data: Obj({ name: Str, description: NullableStr }),
    example: { data: { name: 'editor', description: 'Edits articles' } },
  },
  'role.deleted': {
    description: 'A custom role was deleted; each user who held it gets a `user.roles_changed`.',
    user: 'never',
    changes: null,
    data: Obj({ name: Str, usersChanged: Type.Integer() }),
    example: { data: { name: 'editor', usersChanged: 4 } },
  },
  'attribute.defined': {
    description: 'A custom attribute was defined for the tenant.',
    user: 'never',
    changes: null,
    data: Obj({ name: Str, type: Str, searchable: Type.Boolean(), unique: Type.Boolean() }),
    example: { data: { name: 'plan', type: 'string', searchable: true, unique: false } },
  },
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

/** A catalogue key: the only strings `events.record` accepts as a type. */
export type EventType = keyof typeof EVENT_TYPES;

type DataSchemaOf<T extends EventType> = (typeof EVENT_TYPES)[T]['data'];

/** The payload (`data`) of an event type, derived from its catalogue schema. */
export type EventData<T extends EventType> = DataSchemaOf<T> extends infer S extends TSchema ? Static<S> : null;

type DataField<T extends EventType> = DataSchemaOf<T> extends TSchema ? { data: EventData<T> } : { data?: null };

/**
 * One event to record. A union over the catalogue: `type` must be a key and `data` must have its payload's shape,
 * so the compiler checks every producer.
 */
export type EventInput<T extends EventType = EventType> = T extends EventType
  ? { type: T; userId?: string | null; changes?: Changes | null } & DataField<T>
  : never;

/** True for a string that names a catalogue type. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type);
}
