import { countryCodeFromName, countryInfo } from '../../core/country.ts';
import { invalidField } from '../../core/errors.ts';
import { parsePhone } from '../../core/phone.ts';
import type { TenantRow } from '../../modules/tenants/tenants.table.ts';
import type { UserInput, UserView } from '../../modules/users/users.ts';

/** TagMango's create-or-find body, as its schema admits it. */
export interface TagMangoUserBody {
  email?: string | null;
  phone?: number | string | null;
  name?: string | null;
  country?: string | null;
}

/** A user as TagMango answers it. */
export interface TagMangoUser {
  _id: string;
  name: string | null;
  email: string | null;
  phone: number | null;
  country: string | null;
  dialCode: string | null;
  currency: string | null;
}

/** Blank text counts as absent: form-built bodies and templated URLs send `""` for "not given". */
function given(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

/** A country as a client may send it: an alpha-2 code or the full name this API answers with. */
function countryCode(raw: string): string {
  // An unknown one goes on as sent, so the core refuses it naming the field.
  return countryCodeFromName(raw) ?? raw;
}

/**
 * The core find-or-create input for a TagMango body. The phone, a number or a string, is read by the core with
 * `country`, else the tenant's default country. Never throws: the core validates.
 */
export function toFindOrCreateInput(body: TagMangoUserBody): UserInput {
  const input: UserInput = {};
  const email = given(body.email);
  const phone = typeof body.phone === 'number' ? String(body.phone) : given(body.phone);
  const name = given(body.name);
  const country = given(body.country);
  if (email !== undefined) input.email = email;
  if (phone !== undefined) input.phone = phone;
  if (name !== undefined) input.name = name;
  if (country !== undefined) input.country = countryCode(country);
  return input;
}

/**
 * The core lookup query for TagMango's `?email=&phone=&country=`. A national phone is read with `country`
 * when given; without it the core reads it with the tenant's default country.
 * @throws AppError INVALID_PARAMETER for an unknown country or a phone that is not valid in it.
 */
export function toLookupQuery(query: { email?: string; phone?: string; country?: string }): { email?: string; phone?: string } {
  const out: { email?: string; phone?: string } = {};
  const email = given(query.email);
  const phone = given(query.phone);
  const country = given(query.country);
  if (email !== undefined) out.email = email;
  if (phone === undefined) return out;
  if (country === undefined) {
    out.phone = phone;
    return out;
  }
  const code = countryCodeFromName(country);
  if (!code) throw invalidField('country', 'must be an ISO 3166-1 alpha-2 code or a country name', 'invalid_country', 'INVALID_PARAMETER');
  const parsed = parsePhone(phone, code);
  if (!parsed) throw invalidField('phone', 'must be a valid phone number', 'invalid_phone', 'INVALID_PARAMETER');
  out.phone = parsed.e164;
  return out;
}

/**
 * A core user in TagMango's shape. `phone` is the national number (a JSON number) and `dialCode` the phone's
 * calling code, so `dialCode + phone` is the whole number. `country` is the user's, else the phone's, else the
 * tenant's default; `currency` is the tenant's when configured, else that country's.
 */
export function toTagMangoUser(user: UserView, tenant: Pick<TenantRow, 'currency' | 'default_country'>): TagMangoUser {
  const phone = user.phone ? parsePhone(user.phone, null) : null;
  const country = countryInfo(user.country ?? phone?.country ?? tenant.default_country);
  return {
    _id: user.id,
    name: user.name,
    email: user.email,
    phone: phone ? Number(phone.national) : null,
    country: country?.name ?? null,
    dialCode: phone?.dialCode ?? country?.dialCode ?? null,
    currency: tenant.currency ?? country?.currency ?? null,
  };
}
