import { Type } from 'typebox';
import { Nullable, RateLimit } from '../tenants/tenants.schemas.ts';
import { SCOPES } from './api-keys.ts';

/** An API key as the admin API returns it (never its secret). */
export const KeySchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  brand: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  rateLimit: RateLimit,
});

/** The body of a key create. */
export const KeyCreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    brand: Type.Optional(Type.String({ maxLength: 64 })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: SCOPES.length })),
    rateLimit: Type.Optional(RateLimit),
  },
  { additionalProperties: false },
);

/** A key just created: the only answer that carries its secret. */
export const CreatedKeySchema = Type.Object({ ...KeySchema.properties, secret: Type.String() });

/** The body of a key patch. */
export const KeyPatchSchema = Type.Object({ rateLimit: Type.Optional(RateLimit) }, { additionalProperties: false });
