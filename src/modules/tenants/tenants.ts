import type { Static } from 'typebox';
import { isCountryCode } from '../../core/country.ts';
import { validationFailed } from '../../core/error-helpers.ts';
import type { FieldError } from '../../core/errors.ts';
import type { TenantPatchSchema, TenantSchema } from './tenants.schemas.ts';
import type { TenantRow } from './tenants.table.ts';

/** A tenant as the admin API returns it. */
export type TenantView = Static<typeof TenantSchema>;

/** A tenant's writable fields; a create also requires slug and name (its route schema says so). */
export type TenantInput = Static<typeof TenantPatchSchema>;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/;

/** True for a valid tenant or brand slug (lower-case letters, digits, inner hyphens). */
export function isSlug(value: string): boolean {
  return SLUG.test(value);
}

/**
 * Normalizes tenant input: hosts lower-cased and deduplicated, country upper-cased.
 * @throws AppError VALIDATION_FAILED naming each invalid field.
 */
export function normalizeTenantInput(input: TenantInput): TenantInput {
  const errors: FieldError[] = [];
  const out: TenantInput = { ...input };
  if (input.slug !== undefined && !isSlug(input.slug)) {
    errors.push({
      field: 'slug',
      code: 'invalid_slug',
      message: 'must be lower-case letters, digits and inner hyphens, at most 64 characters',
    });
  }
  if (input.name !== undefined && input.name.trim().length === 0) {
    errors.push({ field: 'name', code: 'required', message: 'must not be empty' });
  } else if (input.name !== undefined) {
    out.name = input.name.trim();
  }
  if (input.hosts !== undefined) {
    const hosts = [...new Set(input.hosts.map((h) => h.trim().toLowerCase()))];
    hosts.forEach((host, i) => {
      if (!HOST.test(host)) errors.push({ field: `hosts[${i}]`, code: 'invalid_host', message: 'must be a host name' });
    });
    out.hosts = hosts;
  }
  if (input.defaultCountry) {
    if (!isCountryCode(input.defaultCountry)) {
      errors.push({ field: 'defaultCountry', code: 'invalid_country', message: 'must be an ISO 3166-1 alpha-2 code' });
    } else {
      out.defaultCountry = input.defaultCountry.toUpperCase();
    }
  }
  if (input.currency) {
    if (!/^[A-Za-z]{3}$/.test(input.currency)) {
      errors.push({ field: 'currency', code: 'invalid_currency', message: 'must be an ISO 4217 code' });
    } else {
      out.currency = input.currency.toUpperCase();
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

export function toTenantView(row: TenantRow): TenantView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    hosts: row.hosts,
    codes: row.codes,
    defaultCountry: row.default_country,
    currency: row.currency,
    allowFreeformAttributes: row.allow_freeform_attributes,
    sessionsLimit: row.sessions_limit,
    sessionsPolicy: row.sessions_policy,
    rejectCommonPasswords: row.reject_common_passwords,
    gravatarPictures: row.gravatar_pictures,
    rateLimit: row.rate_limit,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
