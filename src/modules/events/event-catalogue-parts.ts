import { type TSchema, Type } from 'typebox';

/**
 * One catalogue entry. The catalogue (event-types.ts) is spread from the domains' `*-event-types.ts` files, which
 * build their entries from the shared schema parts below.
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

export const Str = Type.String();
export const NullableStr = Type.Union([Type.String(), Type.Null()]);
export const Id = Type.String({ format: 'uuid' });
export const NullableId = Type.Union([Id, Type.Null()]);
export const Timestamp = Type.String({ format: 'date-time' });
export const Obj = <P extends Record<string, TSchema>>(properties: P) => Type.Object(properties, { additionalProperties: false });

/** Naviga's own event ids, written as `naviga.<NAME>` with `data.code` holding the id (seed 004). */
export const NAVIGA_EVENT_CODES = {
  SUBSCRIBE_USER_GET: 4000,
  AUTHSYSTEM_USER_GET: 4601,
  SUBSCRIBE_USER_UPDATE: 4004,
} as const;

export const navigaHead = <N extends keyof typeof NAVIGA_EVENT_CODES>(name: N) => ({
  code: Type.Literal(NAVIGA_EVENT_CODES[name]),
  name: Type.Literal(name),
});

export const SessionRevokedReason = Type.Union([Type.Literal('logout'), Type.Literal('evicted'), Type.Literal('refresh_token_reuse')]);
export const LogoutReason = Type.Union([
  Type.Literal('logout'),
  Type.Literal('deactivated'),
  Type.Literal('erased'),
  Type.Literal('password_changed'),
]);
export const ProviderRef = { provider: Str, providerId: Id };
export const ProviderRow = { providerId: Id, name: Str, type: Str, brandId: NullableId };
export const RateLimit = Type.Union([Obj({ max: Type.Integer(), windowSeconds: Type.Integer() }), Type.Null()]);

export const USER = '018f0a4c-1f2e-7c3d-9b4a-5e6f7a8b9c0d';
export const OTHER = '018f0a4c-2a3b-7c4d-8e5f-6a7b8c9d0e1f';
