import { Type } from 'typebox';

const NullableString = (options: Record<string, unknown> = {}) => Type.Union([Type.String(options), Type.Null()]);

/**
 * Thanx's `birth_date` hash. Ranges are left to the core, so Feb 30 or month 13 is reported on `birth_date`
 * itself rather than on one of its parts.
 */
export const ThanxBirthDateSchema = Type.Object(
  { year: Type.Integer(), month: Type.Integer(), day: Type.Integer() },
  { additionalProperties: true },
);

/**
 * The `user` hash of `POST /users`. Unknown keys are ignored, as Thanx's Rails API drops unpermitted parameters.
 * Only `email` is required here: `first_name` and `last_name` are required only for an email Roster does not
 * know, which the route decides.
 */
export const ThanxUserSchema = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    phone: Type.Optional(NullableString({ maxLength: 32, description: 'E.164, e.g. +14158672345' })),
    first_name: Type.Optional(NullableString({ maxLength: 256 })),
    last_name: Type.Optional(NullableString({ maxLength: 256 })),
    birth_date: Type.Optional(Type.Union([ThanxBirthDateSchema, Type.Null()])),
    gender: Type.Optional(NullableString({ description: 'male, female, other or unknown' })),
    zip_code: Type.Optional(NullableString({ maxLength: 32 })),
  },
  { additionalProperties: true },
);

export const ThanxCreateUserBodySchema = Type.Object({ user: ThanxUserSchema }, { additionalProperties: true });

const ThanxUserViewSchema = Type.Object({
  id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  first_name: Type.Union([Type.String(), Type.Null()]),
  last_name: Type.Union([Type.String(), Type.Null()]),
  birth_date: Type.Union([ThanxBirthDateSchema, Type.Null()]),
  gender: Type.Union([Type.String(), Type.Null()]),
  zip_code: Type.Union([Type.String(), Type.Null()]),
});

export const ThanxCreatedSchema = Type.Object({
  user: ThanxUserViewSchema,
  authorization: Type.Object({
    token_type: Type.Literal('Bearer'),
    scope: Type.Literal('passwordless'),
    created_at: Type.Integer({ description: 'Unix seconds' }),
    access_token: Type.String(),
    refresh_token: Type.String(),
  }),
});

/** Roster's envelope for every Thanx error (the seed document shows none). */
export const ThanxErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), code: Type.String(), message: Type.String() }))),
    request_id: Type.String(),
  }),
});
