import { countryCodeFromName, countryInfo } from '../../core/country.ts';
import { type FieldError, invalidField } from '../../core/errors.ts';
import type { AttributeDefinitionRow } from '../../modules/attributes/attributes.table.ts';
import { type AttributeType, parseFilterValue } from '../../modules/attributes/attributes.ts';
import type { UserInput, UserView } from '../../modules/users/users.ts';
import { validationError } from '../../modules/users/users.ts';

/** The document's allow-list for `update_or_create`, in its order. */
export const ALLOWED_ATTRIBUTES = [
  'assigned_to',
  'city',
  'company_id',
  'country',
  'email',
  'facebook_url',
  'first_name',
  'gender',
  'google_url',
  'gravatar_url',
  'last_name',
  'linkedin_url',
  'notifications',
  'phone_number',
  'region',
  'score',
  'status',
  'timezone',
  'twitter_url',
  'unsubscribed',
  'user_id',
] as const;

type Allowed = (typeof ALLOWED_ATTRIBUTES)[number];

/** An `update_or_create` body as its schema admits it. */
export type UserComUpsertBody = { user_id: string | number } & Partial<Record<Exclude<Allowed, 'user_id'>, unknown>>;

/** What an `update_or_create` body asks of the core. */
export interface UserComUpsert {
  externalId: string;
  input: UserInput;
  /** The caller's company id the user is an employee of, if given. */
  companyId: string | null;
}

/** A user in User.com's field names, as the attribute endpoints answer it. */
export interface UserComUser {
  id: number;
  user_id: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  name: string | null;
  gender: number;
  phone_number: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  timezone: string | null;
  score: number | null;
  facebook_url: string | null;
  twitter_url: string | null;
  linkedin_url: string | null;
  google_url: string | null;
  gravatar_url: string | null;
  unsubscribed: boolean;
  notifications: boolean;
  status: unknown;
  assigned_to: unknown;
  attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** User.com's gender codes (its user model: 1 unknown, 2 male, 3 female) and Roster's words for them. */
const GENDER_BY_CODE: Record<number, string> = { 1: 'unknown', 2: 'male', 3: 'female' };
const CODE_BY_GENDER: Record<string, number> = { unknown: 1, male: 2, female: 3 };
const GENDER_WORDS = new Set(['unknown', 'male', 'female', 'other']);

const LINKS = { facebook_url: 'facebook', twitter_url: 'twitter', linkedin_url: 'linkedin', google_url: 'google' } as const;

const TEXT_FIELDS = [
  ['email', 'email'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['city', 'city'],
  ['region', 'region'],
  ['timezone', 'timezone'],
  ['gravatar_url', 'picture'],
] as const;

/** Roster field names (as core errors name them) in User.com's words. */
const USERCOM_FIELDS: Record<string, string> = {
  externalId: 'user_id',
  firstName: 'first_name',
  lastName: 'last_name',
  phone: 'phone_number',
  picture: 'gravatar_url',
  'links.facebook': 'facebook_url',
  'links.twitter': 'twitter_url',
  'links.linkedin': 'linkedin_url',
  'links.google': 'google_url',
  'consents.email': 'unsubscribed',
  'consents.notifications': 'notifications',
  '(root)': 'non_field_errors',
};

// Form fields are text: these are the readings that leave no doubt.
const FORM_BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/** A Roster field name (from a core or schema error) as User.com names it; custom attributes by their own name. */
export function toUserComField(field: string): string {
  // Own keys only: a field named `constructor` or `__proto__` is itself, not Object.prototype's member.
  if (Object.hasOwn(USERCOM_FIELDS, field)) return USERCOM_FIELDS[field] as string;
  return field.startsWith('attributes.') ? field.slice('attributes.'.length) : field;
}

/** Absent, or blank text: not given. Form encoders and templated payloads send `""` for "no value". */
function blank(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** Form text as a boolean or number when it reads as one without doubt; otherwise the text, for validation to refuse. */
function fromFormText(type: AttributeType | 'integer', raw: string): unknown {
  if (type === 'boolean') return FORM_BOOLEANS[raw.trim().toLowerCase()] ?? raw;
  if (type === 'number' || type === 'integer') return parseFilterValue('number', raw) ?? raw;
  return raw;
}

const FORM_TYPES: Partial<Record<Allowed, 'boolean' | 'integer'>> = {
  score: 'integer',
  gender: 'integer',
  unsubscribed: 'boolean',
  notifications: 'boolean',
};

/**
 * A form-encoded `update_or_create` body with its text read by each field's type: `score` and numeric `gender`
 * as numbers, `unsubscribed`/`notifications` from true/false/1/0, `status` and `assigned_to` by the tenant's
 * definitions of those attributes. Blank fields are dropped (not given). Pure.
 */
export function coerceFormUpsert(
  fields: Record<string, string>,
  definitions: Map<string, AttributeDefinitionRow>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => !blank(value))
      .map(([key, value]) => {
        if (key === 'status' || key === 'assigned_to') return [key, fromDefinition(definitions, key, value)];
        const type = FORM_TYPES[key as Allowed];
        // A gender word stays a word; only digits are read as User.com's code.
        if (!type || (key === 'gender' && !/^\s*\d+\s*$/.test(value))) return [key, value];
        return [key, fromFormText(type, value)];
      }),
  );
}

function fromDefinition(definitions: Map<string, AttributeDefinitionRow>, name: string, value: unknown): unknown {
  const type = definitions.get(name)?.type as AttributeType | undefined;
  return typeof value === 'string' && type ? fromFormText(type, value) : value;
}

/**
 * Form-sent custom attribute values read by the tenant's definitions: number and boolean attributes from
 * unambiguous text; everything else (and undefined attributes) as sent, for the core to accept or refuse. Pure.
 */
export function coerceFormAttributes(
  values: Record<string, unknown>,
  definitions: Map<string, AttributeDefinitionRow>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, fromDefinition(definitions, name, value)]));
}

/** A form-sent Set attribute body, its value read by the attribute's definition. Pure. */
export function coerceFormSetAttribute(
  body: Record<string, string>,
  definitions: Map<string, AttributeDefinitionRow>,
): Record<string, unknown> {
  return typeof body.attribute === 'string' && body.value !== undefined
    ? { ...body, value: fromDefinition(definitions, body.attribute.trim(), body.value) }
    : body;
}

function genderOf(value: unknown, errors: FieldError[]): string | null | undefined {
  if (value === null) return null;
  const word = typeof value === 'number' ? GENDER_BY_CODE[value] : String(value).trim().toLowerCase();
  if (word && GENDER_WORDS.has(word)) return word;
  errors.push({
    field: 'gender',
    code: 'invalid_choice',
    message: `"${value}" is not a valid choice (1, 2, 3, unknown, male, female, other)`,
  });
  return undefined;
}

/**
 * The core upsert for an `update_or_create` body (already checked against its schema). Blank text is "not given";
 * `null` clears a field. `unsubscribed` is the `email` consent reversed, `notifications` a consent of that name;
 * `status` and `assigned_to` are custom attributes of those names.
 * @throws AppError VALIDATION_FAILED naming `user_id` (blank) or `gender` (not a known code or word).
 */
export function toUpsertInput(body: UserComUpsertBody): UserComUpsert {
  const errors: FieldError[] = [];
  const externalId = String(body.user_id).trim();
  if (externalId === '') errors.push({ field: 'user_id', code: 'blank', message: 'This field may not be blank.' });
  const input: UserInput = {};
  const given = (key: Allowed) => !blank(body[key as keyof UserComUpsertBody]);
  const value = <T>(key: Allowed) => body[key as keyof UserComUpsertBody] as T;

  for (const [from, to] of TEXT_FIELDS) if (given(from)) input[to] = value<string | null>(from);
  if (given('phone_number')) {
    const phone = value<string | number | null>('phone_number');
    input.phone = phone === null ? null : String(phone);
  }
  if (given('country')) {
    const country = value<string | null>('country');
    // A name goes to its code; an unknown one goes on as sent, for the core to refuse naming the field.
    input.country = country === null ? null : (countryCodeFromName(country) ?? country);
  }
  if (given('gender')) {
    const gender = genderOf(value('gender'), errors);
    if (gender !== undefined) input.gender = gender;
  }
  if (given('score')) input.score = value<number | null>('score');

  const links = Object.fromEntries(
    Object.entries(LINKS)
      .filter(([from]) => given(from as Allowed))
      .map(([from, kind]) => [kind, value<string | null>(from as Allowed)]),
  );
  if (Object.keys(links).length > 0) input.links = links;

  const consents: Record<string, boolean | null> = {};
  if (given('unsubscribed')) {
    const unsubscribed = value<boolean | null>('unsubscribed');
    consents.email = unsubscribed === null ? null : !unsubscribed;
  }
  if (given('notifications')) consents.notifications = value<boolean | null>('notifications');
  if (Object.keys(consents).length > 0) input.consents = consents;

  const attributes = Object.fromEntries((['status', 'assigned_to'] as const).filter(given).map((key) => [key, value(key)]));
  if (Object.keys(attributes).length > 0) input.attributes = attributes;

  if (errors.length > 0) throw validationError(errors);
  const company = given('company_id') ? value<string | number | null>('company_id') : null;
  return { externalId, input, companyId: company === null ? null : String(company).trim() };
}

/**
 * The attribute name of a Set attribute body.
 * @throws AppError VALIDATION_FAILED naming `attribute` when it is blank.
 */
export function attributeNameOf(body: { attribute: string }): string {
  const name = body.attribute.trim();
  if (name === '') throw invalidField('attribute', 'This field may not be blank.', 'blank');
  return name;
}

/** A core user in User.com's field names. `gender` is its code (1 unknown, 2 male, 3 female; `other` reads as 1). */
export function toUserComUser(user: UserView): UserComUser {
  return {
    id: user.number,
    user_id: user.externalId,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    name: user.name,
    gender: CODE_BY_GENDER[user.gender ?? 'unknown'] ?? 1,
    phone_number: user.phone,
    city: user.city,
    region: user.region,
    country: countryInfo(user.country)?.name ?? null,
    timezone: user.timezone,
    score: user.score,
    facebook_url: user.links.facebook ?? null,
    twitter_url: user.links.twitter ?? null,
    linkedin_url: user.links.linkedin ?? null,
    google_url: user.links.google ?? null,
    gravatar_url: user.picture,
    unsubscribed: user.consents.email === false,
    notifications: user.consents.notifications !== false,
    status: user.attributes.status ?? null,
    assigned_to: user.attributes.assigned_to ?? null,
    attributes: user.attributes,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
