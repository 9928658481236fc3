import { type TSchema, Type } from 'typebox';

const SessionsPolicySchema = Type.Union([Type.Literal('evict_oldest'), Type.Literal('reject_new')], {
  description: 'A sign-in past the limit ends the oldest session, or is refused',
});

/** A schema or null. */
export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
/** A rate limit setting of a tenant or a key. */
export const RateLimit = Type.Union(
  [
    Type.Object(
      { max: Type.Integer({ minimum: 1, maximum: 1_000_000 }), windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }) },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'At most `max` requests per `windowSeconds`, counted per API key; null: no limit of its own' },
);
/** Naviga's client and paper codes of a tenant or brand. */
export const Codes = Type.Object(
  {
    clientGroup: Type.Optional(Type.String({ maxLength: 64 })),
    client: Type.Optional(Type.String({ maxLength: 64 })),
    paper: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
/** A tenant as the admin API returns it. */
export const TenantSchema = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  hosts: Type.Array(Type.String()),
  codes: Codes,
  defaultCountry: Nullable(Type.String()),
  currency: Nullable(Type.String()),
  allowFreeformAttributes: Type.Boolean(),
  sessionsLimit: Nullable(Type.Integer()),
  sessionsPolicy: SessionsPolicySchema,
  rejectCommonPasswords: Type.Boolean(),
  gravatarPictures: Type.Boolean(),
  rateLimit: RateLimit,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
/** The writable fields of a tenant (create requires name and slug; a patch takes any). */
export const tenantFields = {
  name: Type.String({ minLength: 1, maxLength: 256 }),
  hosts: Type.Optional(Type.Array(Type.String({ maxLength: 260 }), { maxItems: 100 })),
  codes: Type.Optional(Codes),
  defaultCountry: Type.Optional(Nullable(Type.String({ maxLength: 2 }))),
  currency: Type.Optional(Nullable(Type.String({ maxLength: 3 }))),
  allowFreeformAttributes: Type.Optional(Type.Boolean()),
  sessionsLimit: Type.Optional(
    Nullable(
      Type.Integer({ minimum: 1, maximum: 999_999, description: 'Live sessions per user unless the user sets a limit; null is unlimited' }),
    ),
  ),
  rejectCommonPasswords: Type.Optional(
    Type.Boolean({ description: 'Refuse new passwords that are among the 10,000 most common (default true)' }),
  ),
  gravatarPictures: Type.Optional(
    Type.Boolean({
      description:
        'A user written without a picture gets the Gravatar URL of their email (default false: that URL sends a hash of the email to Gravatar whenever the picture is shown)',
    }),
  ),
  sessionsPolicy: Type.Optional(SessionsPolicySchema),
  rateLimit: Type.Optional(RateLimit),
};
/** A brand as the admin API returns it. */
export const BrandSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  codes: Codes,
  createdAt: Type.String(),
});

/** The body of a tenant create. */
export const TenantCreateSchema = Type.Object(
  { slug: Type.String({ minLength: 1, maxLength: 64 }), ...tenantFields },
  { additionalProperties: false },
);

/** The body of a tenant patch. */
export const TenantPatchSchema = Type.Object(
  { slug: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), ...tenantFields, name: Type.Optional(tenantFields.name) },
  { additionalProperties: false },
);
