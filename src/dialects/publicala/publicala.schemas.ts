import { Type } from 'typebox';
import { Dictionary } from '../../core/schemas.ts';

/**
 * Any JSON scalar. Publica.la is a Laravel API: its validator reads `1`, `"1"` and `true` alike, and form bodies
 * carry only strings, so the body schema admits every scalar and the mapping checks each field's meaning, giving
 * Laravel's per-field messages. Arrays and objects are refused here.
 */
const Scalar = (description: string) =>
  Type.Optional(Type.Unsafe<string | number | boolean | null>({ type: ['string', 'number', 'boolean', 'null'], description }));

const userFields = {
  external_id: Scalar("Required. The user's id in your platform (string, or an integer)"),
  email: Scalar('Required. A valid email address'),
  new_password: Scalar('Recommended. 8 to 1024 characters; the tenant may refuse the most common passwords'),
  sessions_limit: Scalar('null (no limit) or an integer from 1 to 999999: the most simultaneous sessions'),
  assign_new_plan: Scalar('The number of a plan to assign (Roster plan `number`); null: none'),
  new_plan_custom_valid_to: Scalar('yyyy-mm-dd (the plan holds through that day, UTC); empty: the plan’s default duration'),
  admin: Scalar('boolean, or 1/0'),
  plan_admin: Scalar('boolean, or 1/0'),
  only_sees_readable: Scalar('boolean, or 1/0'),
};

/** The create body; unknown fields are ignored, as Laravel's validated input drops them. */
export const PublicaLaCreateBodySchema = Type.Object(userFields, { additionalProperties: true });

/** The update body: as create, `only_sees_readable` required too, and `user_plan_name` accepted. */
export const PublicaLaUpdateBodySchema = Type.Object(
  {
    ...userFields,
    only_sees_readable: Scalar('Required. boolean, or 1/0'),
    user_plan_name: Scalar('Accepted and ignored (the document gives it no meaning)'),
  },
  { additionalProperties: true },
);

export const PublicaLaListQuerySchema = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320, description: 'Only the user with this email' })),
    query: Type.Optional(Type.String({ maxLength: 64, description: '`deactivated` or `admins`' })),
    page: Type.Optional(Type.String({ maxLength: 32, description: 'Page number, from 1 (anything else reads as 1, as Laravel does)' })),
    per_page: Type.Optional(Type.String({ maxLength: 32, description: 'Users per page, 1 to 100 (default 15)' })),
    api_token: Type.Optional(Type.String({ maxLength: 512, description: 'The tenant key, when not sent as a header' })),
  },
  { additionalProperties: true },
);

export const PublicaLaIdParamsSchema = Type.Object({ id: Type.String({ maxLength: 64, description: "The user's number" }) });

export const PublicaLaForceLogoutParamsSchema = Type.Object({
  user_id: Type.String({ maxLength: 256, description: "The user's number or external_id" }),
});

const NullableInteger = Type.Unsafe<number | null>({ type: ['integer', 'null'] });
const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });

/** A timestamp as the create answer shows it (a Carbon date with its unix time). */
const CarbonSchema = Type.Object({ timestamp: Type.Integer(), date: Type.String(), timezone: Type.String() });

/** The user as create answers it. */
export const PublicaLaCreatedUserSchema = Type.Object({
  id: Type.Integer(),
  email: NullableString,
  uuid: Type.String(),
  picture: NullableString,
  admin: Type.Boolean(),
  plan_admin: Type.Boolean(),
  only_sees_readable: Type.Boolean(),
  sessions_limit: NullableInteger,
  created_at: CarbonSchema,
  updated_at: CarbonSchema,
  deleted_at: Type.Union([CarbonSchema, Type.Null()]),
});

const UserPlanSchema = Type.Object({
  id: Type.String(),
  plan_id: Type.Integer(),
  plan_name: Type.String(),
  valid_from: Type.String(),
  valid_to: NullableString,
  ended_at: NullableString,
  active: Type.Boolean(),
  created_at: Type.String(),
});

/** A user as the list (and the single-user read) answers it. */
export const PublicaLaListedUserSchema = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  admin: Type.Boolean(),
  plan_admin: Type.Boolean(),
  email: NullableString,
  sessions_limit: NullableInteger,
  only_sees_readable: Type.Integer({ description: '1 or 0: Laravel does not cast this column' }),
  picture: NullableString,
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: NullableString,
  purchased_issues_with_cancelled_count: Type.Integer(),
  user_plans_count: Type.Integer(),
  can_be_edited: Type.Boolean(),
  created_at_date_string: Type.String(),
  impersonate: Type.String(),
  sessions: Type.Null(),
  ip_ranges: Type.Array(Type.Unknown()),
  referrers: Type.Array(Type.Unknown()),
  purchased_issues_with_cancelled: Type.Array(Type.Unknown()),
  user_plans: Type.Array(UserPlanSchema),
});

const PaginatorLinkSchema = Type.Object({ url: NullableString, label: Type.String(), active: Type.Boolean() });

/** Laravel's LengthAwarePaginator, serialized. */
const PaginatorSchema = Type.Object({
  current_page: Type.Integer(),
  data: Type.Array(PublicaLaListedUserSchema),
  first_page_url: Type.String(),
  from: NullableInteger,
  last_page: Type.Integer(),
  last_page_url: Type.String(),
  links: Type.Array(PaginatorLinkSchema),
  next_page_url: NullableString,
  path: Type.String(),
  per_page: Type.Integer(),
  prev_page_url: NullableString,
  to: NullableInteger,
  total: Type.Integer(),
});

const success = <T extends object>(data: T) => Type.Object({ CODE: Type.Literal('success'), data });

export const PublicaLaCreatedSchema = success(PublicaLaCreatedUserSchema);
export const PublicaLaListSchema = success(Type.Object({ paginator: PaginatorSchema }));
export const PublicaLaUserSchema = success(PublicaLaListedUserSchema);
export const PublicaLaDeactivatedSchema = success(Type.Array(Type.Unknown(), { maxItems: 0 }));
export const PublicaLaReactivatedSchema = success(Type.Literal(1));
export const PublicaLaLoggedOutSchema = success(Type.Object({ revoked: Type.Integer({ description: 'Sessions ended' }) }));

/** Laravel's JSON error: `message`, and `errors` by field on a 422. */
export const PublicaLaErrorSchema = Type.Object({
  message: Type.String(),
  errors: Type.Optional(Dictionary(Type.Array(Type.String()))),
});
