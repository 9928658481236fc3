import { Type } from 'typebox';
import { LiteralUnion } from '../../core/schemas.ts';
import { ATTRIBUTE_TYPES } from './attributes.ts';

/** An attribute definition as the API returns it. */
export const DefinitionSchema = Type.Object({
  name: Type.String(),
  type: LiteralUnion(ATTRIBUTE_TYPES),
  searchable: Type.Boolean(),
  unique: Type.Boolean(),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

/** The body of an attribute definition. */
export const DefinitionInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    type: LiteralUnion(ATTRIBUTE_TYPES),
    searchable: Type.Optional(Type.Boolean()),
    unique: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
  },
  { additionalProperties: false },
);
