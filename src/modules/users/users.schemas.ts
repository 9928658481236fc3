import { Type } from 'typebox';
import { Dictionary, LiteralUnion } from '../../core/schemas.ts';
import { GENDERS, LINK_KINDS, ROLES, USER_SORTS, USER_STATUSES } from './users.ts';

const NullableString = (options: Record<string, unknown> = {}) => Type.Union([Type.String(options), Type.Null()]);
const JsonValue = Type.Unknown();

/** Profile fields accepted on create, patch, upsert and find-or-create. */
export const userInputProperties = {
  externalId: Type.Optional(NullableString({ maxLength: 256 })),
  username: Type.Optional(
    NullableString({ maxLength: 1024, description: 'Trimmed, 1 to 256 characters; unique per tenant, case-insensitively' }),
  ),
  email: Type.Optional(NullableString({ maxLength: 320 })),
  phone: Type.Optional(NullableString({ maxLength: 32 })),
  name: Type.Optional(NullableString({ maxLength: 256 })),
  firstName: Type.Optional(NullableString({ maxLength: 256 })),
  lastName: Type.Optional(NullableString({ maxLength: 256 })),
  birthDate: Type.Optional(NullableString({ description: 'YYYY-MM-DD' })),
  gender: Type.Optional(Type.Union([LiteralUnion(GENDERS), Type.Null()])),
  postalCode: Type.Optional(NullableString({ maxLength: 32 })),
  city: Type.Optional(NullableString({ maxLength: 256 })),
  region: Type.Optional(NullableString({ maxLength: 256 })),
  country: Type.Optional(NullableString({ description: 'ISO 3166-1 alpha-2' })),
  timezone: Type.Optional(NullableString({ description: 'IANA time zone' })),
  locale: Type.Optional(NullableString({ maxLength: 64 })),
  picture: Type.Optional(NullableString({ maxLength: 2048 })),
  links: Type.Optional(
    Type.Union([
      Type.Object(Object.fromEntries(LINK_KINDS.map((k) => [k, Type.Optional(NullableString({ maxLength: 2048 }))])), {
        additionalProperties: false,
      }),
      Type.Null(),
    ]),
  ),
  consents: Type.Optional(Type.Union([Dictionary(Type.Union([Type.Boolean(), Type.Null()])), Type.Null()])),
  score: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  roles: Type.Optional(Type.Union([Type.Array(Type.String(), { maxItems: 32 }), Type.Null()])),
  sessionsLimit: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  attributes: Type.Optional(Type.Union([Dictionary(JsonValue), Type.Null()])),
};

export const UserInputSchema = Type.Object(userInputProperties, { additionalProperties: false });

/** Create, patch and upsert also take a password, or an existing hash to import. Never returned, never logged. */
export const UserWriteSchema = Type.Object(
  {
    ...userInputProperties,
    password: Type.Optional(Type.String({ maxLength: 4096, description: '8 to 1024 characters; not one of the most common passwords' })),
    passwordHash: Type.Optional(
      Type.String({ maxLength: 1024, description: 'An existing hash to import; re-hashed to argon2id on first sign-in' }),
    ),
    passwordHasher: Type.Optional(
      Type.Union([Type.Literal('argon2id'), Type.Literal('argon2'), Type.Literal('bcrypt'), Type.Literal('scrypt')], {
        description: 'How passwordHash was made; scrypt as $scrypt$ln=..,r=..,p=..$salt$hash',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Nullable output fields as `type: [t, 'null']` rather than anyOf: the response serializer writes them
 * directly instead of validating each branch at run time (several µs per user, per field).
 */
const NullOr = <T>(type: 'string' | 'number' | 'integer') => Type.Unsafe<T | null>({ type: [type, 'null'] });

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.Integer(),
    externalId: NullOr<string>('string'),
    username: NullOr<string>('string'),
    email: NullOr<string>('string'),
    phone: NullOr<string>('string'),
    name: NullOr<string>('string'),
    firstName: NullOr<string>('string'),
    lastName: NullOr<string>('string'),
    birthDate: NullOr<string>('string'),
    gender: NullOr<string>('string'),
    postalCode: NullOr<string>('string'),
    city: NullOr<string>('string'),
    region: NullOr<string>('string'),
    country: NullOr<string>('string'),
    countryName: NullOr<string>('string'),
    dialCode: NullOr<string>('string'),
    currency: NullOr<string>('string'),
    timezone: NullOr<string>('string'),
    locale: NullOr<string>('string'),
    picture: NullOr<string>('string'),
    links: Dictionary(Type.String()),
    consents: Dictionary(Type.Boolean()),
    score: NullOr<number>('number'),
    status: Type.Unsafe<(typeof USER_STATUSES)[number]>({ type: 'string', enum: [...USER_STATUSES] }),
    roles: Type.Array(Type.String(), { description: `Built-in roles: ${ROLES.join(', ')}; tenants define more under /v1/roles` }),
    effectiveRoles: Type.Optional(
      Type.Array(Type.String(), {
        description: 'The roles the user holds: its own `roles` and those of its groups (on reads: GET /v1/users/{id} and lists)',
      }),
    ),
    sessionsLimit: NullOr<number>('integer'),
    attributes: Dictionary(JsonValue),
    brands: Type.Array(Type.Object({ slug: Type.String(), joinedAt: Type.String() })),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    deactivatedAt: NullOr<string>('string'),
    version: Type.Integer(),
  },
  { $id: 'User' },
);

export const CreatedUserSchema = Type.Object({ created: Type.Boolean(), user: Type.Ref('User') });

export const UserIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const ExternalIdParams = Type.Object({ externalId: Type.String({ minLength: 1, maxLength: 256 }) });

export const UserListQuerySchema = Type.Object(
  {
    status: Type.Optional(LiteralUnion(USER_STATUSES)),
    role: Type.Optional(Type.String({ maxLength: 64, description: 'Users holding this role, their own or through a group' })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    username: Type.Optional(Type.String({ maxLength: 256, description: 'Case-insensitive exact match' })),
    brand: Type.Optional(Type.String({ maxLength: 64 })),
    createdAfter: Type.Optional(Type.String({ format: 'date-time' })),
    createdBefore: Type.Optional(Type.String({ format: 'date-time' })),
    q: Type.Optional(Type.String({ maxLength: 256 })),
    company: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Members of this company (id or external id)' })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Members of this group (id)' })),
    plan: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Holders of this plan (id, external id or number)' })),
    planActive: Type.Optional(
      Type.Boolean({ description: 'true: holding an active assignment (of `plan`); false: holding none (with `plan`: held it, lapsed)' }),
    ),
    sort: Type.Optional(
      LiteralUnion(USER_SORTS, {
        description:
          'Order of the list: a field, `-` first for descending (default `createdAt`). Users without an email or name come last ascending, first descending; a cursor only continues the sort it came from',
      }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    count: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, patternProperties: { '^attributes\\.[A-Za-z][A-Za-z0-9_]{0,63}$': { type: 'string', maxLength: 1024 } } },
);

export const UserPageSchema = Type.Object({
  data: Type.Array(Type.Ref('User')),
  nextCursor: NullableString(),
  total: Type.Optional(Type.Integer()),
});

export const LookupQuerySchema = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    username: Type.Optional(Type.String({ maxLength: 256, description: 'Case-insensitive; not with email or phone' })),
    withProvider: Type.Optional(
      Type.Boolean({ description: 'By email: merge the upstream identity provider’s view (answers a merged lookup instead of a user)' }),
    ),
  },
  { additionalProperties: false },
);
