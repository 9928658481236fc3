import { Type } from 'typebox';

const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });

export const SessionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String({ format: 'uuid' }),
  method: Type.String({ description: 'password or passwordless' }),
  ip: NullableString,
  userAgent: NullableString,
  createdAt: Type.String(),
  refreshedAt: Type.String(),
  expiresAt: Type.String({ description: 'Absolute end: no refresh extends it' }),
  idleExpiresAt: Type.String({ description: 'End unless refreshed before then' }),
  revokedAt: NullableString,
  revokedReason: NullableString,
});

export const TokenResponseSchema = Type.Object({
  accessToken: Type.String({ description: 'JWT (EdDSA), verify with /.well-known/jwks.json' }),
  refreshToken: Type.String({ description: 'Opaque, single use: each refresh returns a new one' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  scope: Type.String({ description: 'password or passwordless' }),
  session: SessionSchema,
});

/** Who is signing in, as the platform's server saw them: the caller is usually that server, not the person. */
const clientFields = {
  ip: Type.Optional(Type.String({ maxLength: 64, description: "The end user's IP address (default: the caller's)" })),
  userAgent: Type.Optional(Type.String({ maxLength: 512, description: "The end user's user agent (default: the caller's)" })),
};

export const SignInSchema = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    externalId: Type.Optional(Type.String({ maxLength: 256 })),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    password: Type.String({ minLength: 1, maxLength: 4096 }),
    ...clientFields,
  },
  { additionalProperties: false },
);

export const PasswordlessSchema = Type.Object(clientFields, { additionalProperties: false });

export const RefreshSchema = Type.Object({ refreshToken: Type.String({ maxLength: 512 }) }, { additionalProperties: false });

export const IntrospectSchema = Type.Object({ token: Type.String({ maxLength: 4096 }) }, { additionalProperties: false });

export const IntrospectionSchema = Type.Object(
  {
    active: Type.Boolean(),
    token_type: Type.Optional(Type.String()),
    sub: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
    tid: Type.Optional(Type.String()),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    scope: Type.Optional(Type.String()),
    user: Type.Optional(Type.Ref('User')),
  },
  { description: 'RFC 7662; an inactive token answers only {"active": false}' },
);

export const SessionListSchema = Type.Object({ data: Type.Array(SessionSchema) });
