import { Type } from 'typebox';

/**
 * TagMango's create-or-find body. Fields beyond these four are ignored rather than refused: the mapping reads
 * only these, and a client of the vendor API may send more than the documented ones.
 */
export const TagMangoUserBodySchema = Type.Object({
  email: Type.Optional(Type.Union([Type.String({ maxLength: 320 }), Type.Null()])),
  // The document's example sends the national number as a JSON number; strings are accepted too.
  phone: Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ maxLength: 32 }), Type.Null()]),
  ),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  country: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
});

export const TagMangoLookupQuerySchema = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320 })),
  phone: Type.Optional(Type.String({ maxLength: 32 })),
  country: Type.Optional(Type.String({ maxLength: 64 })),
});

export const TagMangoMeQuerySchema = Type.Object({
  refreshToken: Type.Optional(Type.String({ maxLength: 512 })),
});

const NullOr = (type: 'string' | 'number') => Type.Unsafe<string | number | null>({ type: [type, 'null'] });

const userProperties = {
  _id: Type.String(),
  name: NullOr('string'),
  email: NullOr('string'),
  phone: NullOr('number'),
  country: NullOr('string'),
  dialCode: NullOr('string'),
  currency: NullOr('string'),
};

/** A user as TagMango's lookups answer it. */
export const TagMangoUserSchema = Type.Object(userProperties);

/** A user as create-or-find answers it: `isNew` says whether this call created it. */
export const TagMangoCreatedUserSchema = Type.Object({ ...userProperties, isNew: Type.Boolean() });

export const TagMangoErrorSchema = Type.Object({
  code: Type.Integer(),
  type: Type.String(),
  statusMessage: Type.String(),
  message: Type.String(),
  success: Type.Literal(false),
});
