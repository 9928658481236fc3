import { Type } from 'typebox';
import { Dictionary } from '../../core/schemas.ts';

const Text = (maxLength = 256) => Type.Union([Type.String({ maxLength }), Type.Null()]);
const Url = Text(2048);
/** User.com documents these ids as strings; clients also send them as JSON numbers. */
const Id = Type.Union([Type.String({ maxLength: 256 }), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]);

/**
 * `update_or_create` over exactly the document's allow-list: any other key is a 400 naming it. Form bodies reach
 * this schema after their text has been read as numbers and booleans (usercom.mapping.ts, coerceFormUpsert).
 */
export const UserComUpsertBodySchema = Type.Object(
  {
    user_id: Id,
    email: Text(320),
    first_name: Text(),
    last_name: Text(),
    company_id: Type.Union([Id, Type.Null()]),
    phone_number: Type.Union([Type.String({ maxLength: 32 }), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]),
    city: Text(),
    region: Text(),
    country: Text(64),
    timezone: Text(64),
    // 1 unknown, 2 male, 3 female (User.com's codes), or Roster's words.
    gender: Type.Union([Type.Integer({ minimum: 1, maximum: 3 }), Type.String({ maxLength: 16 }), Type.Null()]),
    score: Type.Union([Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }), Type.Null()]),
    facebook_url: Url,
    twitter_url: Url,
    linkedin_url: Url,
    google_url: Url,
    gravatar_url: Url,
    unsubscribed: Type.Union([Type.Boolean(), Type.Null()]),
    notifications: Type.Union([Type.Boolean(), Type.Null()]),
    // Kept as custom attributes of these names, typed by the tenant's definitions.
    status: Type.Unknown(),
    assigned_to: Type.Unknown(),
  },
  { required: ['user_id'], additionalProperties: false },
);

/** Set attribute: one custom attribute by name; `null` removes it. Other keys are ignored, as DRF serializers do. */
export const UserComSetAttributeBodySchema = Type.Object({
  attribute: Type.String({ minLength: 1, maxLength: 64 }),
  value: Type.Unknown(),
});

/** Set multiple attributes: `{name: value, ...}`; `null` removes one. */
export const UserComSetMultipleBodySchema = Dictionary(Type.Unknown(), { maxProperties: 200 });

export const UserComUpsertResultSchema = Type.Object({
  created: Type.Boolean(),
  id: Type.Integer(),
});

const NullOr = (type: 'string' | 'integer' | 'boolean') => Type.Unsafe<string | number | boolean | null>({ type: [type, 'null'] });

/** A user as the attribute endpoints answer it: User.com's field names over the Roster user. */
export const UserComUserSchema = Type.Object({
  id: Type.Integer(),
  user_id: NullOr('string'),
  email: NullOr('string'),
  first_name: NullOr('string'),
  last_name: NullOr('string'),
  name: NullOr('string'),
  gender: Type.Integer(),
  phone_number: NullOr('string'),
  city: NullOr('string'),
  region: NullOr('string'),
  country: NullOr('string'),
  timezone: NullOr('string'),
  score: Type.Unsafe<number | null>({ type: ['number', 'null'] }),
  facebook_url: NullOr('string'),
  twitter_url: NullOr('string'),
  linkedin_url: NullOr('string'),
  google_url: NullOr('string'),
  gravatar_url: NullOr('string'),
  unsubscribed: Type.Boolean(),
  notifications: Type.Boolean(),
  status: Type.Unknown(),
  assigned_to: Type.Unknown(),
  attributes: Dictionary(Type.Unknown()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** DRF's envelope: `{"detail": "..."}`, or `{"<field>": ["<message>", ...]}` for invalid input. */
// additionalProperties, not Type.Record: a Record is patternProperties `^.*$`, which no key holding a line break
// matches, so the serializer dropped such a field (an attribute named "\t\n") and answered `{}`.
export const UserComErrorSchema = Type.Object({}, { additionalProperties: Type.Union([Type.String(), Type.Array(Type.String())]) });
