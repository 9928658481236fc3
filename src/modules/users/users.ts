import type { Static } from 'typebox';
import { isCalendarDate } from '../../core/calendar-date.ts';
import { countryInfo, isCountryCode } from '../../core/country.ts';
import { normalizeEmail } from '../../core/email.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { parsePhone } from '../../core/phone.ts';
import { sha256Hex } from '../../core/secrets.ts';
import { ROLES } from '../roles/roles.ts';
import type { UserInputSchema, UserSchema } from './users.schemas.ts';
import type { UserRow } from './users.table.ts';

// General validators live in core/ (other domains and dialects use them); re-exported for this module's callers.
export { isCalendarDate } from '../../core/calendar-date.ts';
export { normalizeEmail } from '../../core/email.ts';
export { mergeObject } from '../../core/merge-object.ts';
export { ROLES } from '../roles/roles.ts';

export const GENDERS = ['male', 'female', 'other', 'unknown'] as const;
export const LINK_KINDS = ['facebook', 'twitter', 'linkedin', 'google'] as const;
export const USER_STATUSES = ['active', 'deactivated'] as const;

/** The orders a users list can be asked for: a field, `-` first for descending. */
export const USER_SORTS = ['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'email', '-email', 'name', '-name'] as const;
export type UserSort = (typeof USER_SORTS)[number];

/**
 * A user's profile as the native API accepts it; null clears a field. `gender` is any string here because the
 * dialects hand over their vendors' values as they came: the planner checks it against GENDERS for everyone.
 */
export type UserInput = Omit<Static<typeof UserInputSchema>, 'gender'> & { gender?: string | null };

export type UserStatus = (typeof USER_STATUSES)[number];

/** Column values after normalization; absent keys are left as they are. */
export interface UserColumns {
  external_id?: string | null;
  username?: string | null;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  birth_date?: string | null;
  gender?: string | null;
  postal_code?: string | null;
  city?: string | null;
  region?: string | null;
  country?: string | null;
  timezone?: string | null;
  locale?: string | null;
  picture?: string | null;
  score?: number | null;
  roles?: string[];
  sessions_limit?: number | null;
}

export type BrandMembership = UserView['brands'][number];

/** A user as the native API returns it. */
export type UserView = Static<typeof UserSchema>;

// Deliberately permissive local part, strict enough to reject obvious garbage; RFC 5322 in full is not worth it.
const CONSENT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const timezones = new Set(Intl.supportedValuesOf('timeZone'));
timezones.add('UTC');
const TIMEZONE_ID = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/** True for an IANA time zone id, including links ICU does not list as canonical (Asia/Kolkata, Europe/Kyiv). */
function isTimeZone(value: string): boolean {
  if (timezones.has(value)) return true;
  if (!TIMEZONE_ID.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function text(value: string | null | undefined, max = 256): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed.slice(0, max);
}

/**
 * Validates and normalizes the profile fields of a user input (not attributes, links or consents).
 * @throws AppError VALIDATION_FAILED listing every invalid field.
 */
export function normalizeUserInput(
  input: UserInput,
  opts: { defaultCountry: string | null; today: string; roles?: ReadonlySet<string> },
): UserColumns {
  const errors: FieldError[] = [];
  const fail = (field: string, code: string, message: string) => errors.push({ field, code, message });
  const out: UserColumns = {};

  if (input.externalId !== undefined) {
    const id = text(input.externalId);
    if (input.externalId !== null && !id) fail('externalId', 'required', 'must not be empty');
    out.external_id = id ?? null;
  }
  if (input.username !== undefined) {
    const username = input.username === null ? null : input.username.trim();
    if (username !== null && (username.length < 1 || username.length > 256))
      fail('username', 'invalid_length', 'must be 1 to 256 characters after trimming');
    out.username = username;
  }
  if (input.email !== undefined) {
    out.email = input.email === null ? null : normalizeEmail(input.email);
    if (input.email !== null && out.email === null) fail('email', 'invalid_email', 'must be a valid email address');
  }
  if (input.phone !== undefined) {
    const country = (input.country && isCountryCode(input.country) ? input.country.toUpperCase() : null) ?? opts.defaultCountry;
    const parsed = input.phone === null ? null : parsePhone(input.phone, country);
    if (input.phone !== null && !parsed) fail('phone', 'invalid_phone', 'must be a valid phone number (E.164, or national with a country)');
    out.phone = parsed?.e164 ?? null;
  }
  for (const [key, column] of [
    ['name', 'name'],
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['postalCode', 'postal_code'],
    ['city', 'city'],
    ['region', 'region'],
  ] as const) {
    if (input[key] !== undefined) out[column] = text(input[key]) ?? null;
  }
  if (input.birthDate !== undefined) {
    if (input.birthDate !== null && (!isCalendarDate(input.birthDate) || input.birthDate > opts.today || input.birthDate < '1900-01-01')) {
      fail('birthDate', 'invalid_date', 'must be a real past date in YYYY-MM-DD form');
    }
    out.birth_date = input.birthDate;
  }
  if (input.gender !== undefined) {
    if (input.gender !== null && !(GENDERS as readonly string[]).includes(input.gender))
      fail('gender', 'invalid_enum', `must be one of ${GENDERS.join(', ')}`);
    out.gender = input.gender;
  }
  if (input.country !== undefined) {
    if (input.country !== null && !isCountryCode(input.country)) fail('country', 'invalid_country', 'must be an ISO 3166-1 alpha-2 code');
    out.country = input.country?.toUpperCase() ?? null;
  }
  if (input.timezone !== undefined) {
    if (input.timezone !== null && !isTimeZone(input.timezone)) fail('timezone', 'invalid_timezone', 'must be an IANA time zone');
    out.timezone = input.timezone;
  }
  if (input.locale !== undefined) {
    let locale: string | null = null;
    if (input.locale !== null) {
      try {
        locale = Intl.getCanonicalLocales(input.locale)[0] ?? null;
      } catch {
        fail('locale', 'invalid_locale', 'must be a BCP 47 language tag');
      }
    }
    out.locale = locale;
  }
  if (input.picture !== undefined) {
    if (input.picture !== null && (!isHttpUrl(input.picture) || input.picture.length > 2048))
      fail('picture', 'invalid_url', 'must be an http(s) URL');
    out.picture = input.picture;
  }
  if (input.score !== undefined) {
    if (input.score !== null && !Number.isFinite(input.score)) fail('score', 'invalid_number', 'must be a finite number');
    out.score = input.score;
  }
  if (input.roles !== undefined) {
    const roles = [...new Set(input.roles ?? [])];
    const allowed: ReadonlySet<string> = opts.roles ?? new Set(ROLES);
    roles.forEach((role, i) => {
      if (!allowed.has(role)) fail(`roles[${i}]`, 'invalid_enum', `must be one of ${ROLES.join(', ')} or a role the tenant defined`);
    });
    out.roles = roles.sort();
  }
  if (input.sessionsLimit !== undefined) {
    const v = input.sessionsLimit;
    if (v !== null && (!Number.isInteger(v) || v < 1 || v > 999_999))
      fail('sessionsLimit', 'out_of_range', 'must be null or an integer from 1 to 999999');
    out.sessions_limit = v;
  }
  validateLinks(input.links, fail);
  validateConsents(input.consents, fail);
  if (errors.length > 0) throw validationError(errors);
  return out;
}

function validateLinks(links: UserInput['links'], fail: (f: string, c: string, m: string) => void): void {
  if (!links) return;
  for (const [kind, url] of Object.entries(links)) {
    if (!(LINK_KINDS as readonly string[]).includes(kind))
      fail(`links.${kind}`, 'unknown_field', `must be one of ${LINK_KINDS.join(', ')}`);
    else if (url != null && !isHttpUrl(url)) fail(`links.${kind}`, 'invalid_url', 'must be an http(s) URL');
  }
}

function validateConsents(consents: UserInput['consents'], fail: (f: string, c: string, m: string) => void): void {
  if (!consents) return;
  for (const [name, value] of Object.entries(consents)) {
    if (!CONSENT_NAME.test(name)) fail(`consents.${name}`, 'invalid_name', 'consent names are letters, digits and underscores');
    else if (value !== null && typeof value !== 'boolean') fail(`consents.${name}`, 'invalid_type', 'must be a boolean');
  }
}

/** One AppError carrying every field error. */
export function validationError(errors: FieldError[]): AppError {
  return new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), {}, errors);
}

/** Lower-cased text the `q` filter searches. */
export function searchText(
  row: Pick<UserRow, 'name' | 'first_name' | 'last_name' | 'email' | 'phone' | 'external_id'> & { username?: string | null },
): string {
  return [row.name, row.first_name, row.last_name, row.email, row.phone, row.external_id, row.username ?? null]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

/** The Gravatar URL of an email, for tenants that turn `gravatarPictures` on (it sends a hash of the email to Gravatar). */
export function gravatarUrl(email: string): string {
  return `https://www.gravatar.com/avatar/${sha256Hex(email)}?d=identicon`;
}

/** The API view of a stored user. */
export function toUserView(row: UserRow, brands: BrandMembership[]): UserView {
  const country = countryInfo(row.country);
  return {
    id: row.id,
    number: row.number,
    externalId: row.external_id,
    username: row.username ?? null,
    email: row.email,
    phone: row.phone,
    name: row.name,
    firstName: row.first_name,
    lastName: row.last_name,
    birthDate: row.birth_date,
    gender: row.gender,
    postalCode: row.postal_code,
    city: row.city,
    region: row.region,
    country: row.country,
    countryName: country?.name ?? null,
    dialCode: country?.dialCode ?? null,
    currency: country?.currency ?? null,
    timezone: row.timezone,
    locale: row.locale,
    picture: row.picture,
    links: row.links,
    consents: row.consents,
    score: row.score,
    status: row.status,
    roles: row.roles,
    sessionsLimit: row.sessions_limit,
    attributes: row.attributes,
    brands: brands.map((b) => ({ slug: b.slug, joinedAt: new Date(b.joinedAt).toISOString() })),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    deactivatedAt: row.deactivated_at?.toISOString() ?? null,
    version: row.version,
  };
}
