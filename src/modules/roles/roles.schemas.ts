import { Type } from 'typebox';

export const RoleSchema = Type.Object({
  name: Type.String(),
  builtIn: Type.Boolean(),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Union([Type.String(), Type.Null()]),
});

export const RoleInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const RoleParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
