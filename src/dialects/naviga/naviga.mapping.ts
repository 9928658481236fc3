import type { MergedLookup } from '../../modules/providers/provider-lookup.ts';
import type { TenantCodes } from '../../modules/tenants/tenants.table.ts';
import { normalizeEmail, type UserView } from '../../modules/users/users.ts';
import { NAVIGA_CODES, navigaError } from './naviga.errors.ts';

/** Every metadata key of the document, in its order; each is present in every answer. */
export const METADATA_KEYS = [
  'title',
  'phoneNumber',
  'gender',
  'age',
  'dob',
  'dobYYYY',
  'acceptsEmailOffers',
  'acceptsEmailAds',
  'acceptsEmailPromotions',
  'address',
  'city',
  'country',
  'position',
  'isOkToEmail',
  'isOkToPhone',
  'isOkToMail',
  'workPhone',
  'timeZone',
  'scoreMember',
  'companyName',
  'postalCode',
  'cellPhone',
  'acceptsEENotification',
  'ebill_flag',
  'eadvan_flag',
  'eedition_flag',
  'ee_email_flag',
  'promo_flag',
  'feat_flag',
  'dealdigger_flag',
  'ads_flag',
  'member_event_flag',
  'contentEngagement_flag',
  'subcom_flag',
  'survey_flag',
  'accountUpdates_flag',
  'photo',
  'displayName',
  'optOutMarketing',
  'agreeToTerms',
  'bounceType',
] as const;

export type NavigaMetadataKey = (typeof METADATA_KEYS)[number];
export type NavigaMetadata = Record<NavigaMetadataKey, string | null>;

/** Naviga's UserStates, as this dialect answers them. */
export type NavigaState = 'Active' | 'Inactive';

export interface NavigaUser {
  customerRegistrationId: string | null;
  encryptedCustomerRegistrationId: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  state: NavigaState;
  metadata: NavigaMetadata;
  verified: boolean;
}

export interface NavigaHeaders {
  sourceSystem: string;
  clientCode: string;
  paperCode: string;
  clientGroupCode: string;
}

export interface NavigaQuery {
  email: string;
  ignoreProvider: boolean;
}

const REQUIRED_HEADERS = [
  ['sourceSystem', 'X-SourceSystem'],
  ['clientCode', 'X-ClientCode'],
  ['paperCode', 'X-PaperCode'],
  ['clientGroupCode', 'X-ClientGroupCode'],
] as const;

/**
 * The four mandatory Naviga headers, trimmed.
 * @throws AppError INVALID_PARAMETER (UsersOrchestrator_E400_03) naming the first one missing or blank.
 */
export function readNavigaHeaders(headers: Record<string, string | string[] | undefined>): NavigaHeaders {
  const out: Partial<NavigaHeaders> = {};
  for (const [field, name] of REQUIRED_HEADERS) {
    const value = headers[name.toLowerCase()];
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') throw navigaError('INVALID_PARAMETER', NAVIGA_CODES.headerMissing, `The ${name} header is required.`);
    out[field] = text;
  }
  return out as NavigaHeaders;
}

/** The value of a query parameter whatever its case (the document writes both `Email` and `email`). */
function param(query: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  const values = Object.entries(query)
    .filter(([key]) => key.toLowerCase() === wanted)
    .flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  return values.length > 1 ? values : values[0];
}

/**
 * `email` and `ignoreProvider` from the query string, names in any case. `ignoreProvider` is `true` or `false` in
 * any case, default false (the orchestrated answer). A parameter given twice is refused.
 * @throws AppError INVALID_PARAMETER with UsersOrchestrator_E400_01 (no email), _02 (not an email), _04 (not a boolean).
 */
export function readNavigaQuery(query: Record<string, unknown>): NavigaQuery {
  const rawEmail = param(query, 'email');
  if (rawEmail === undefined || (typeof rawEmail === 'string' && rawEmail.trim() === '')) {
    throw navigaError('INVALID_PARAMETER', NAVIGA_CODES.emailRequired, 'Email is required.');
  }
  const email = typeof rawEmail === 'string' ? normalizeEmail(rawEmail) : null;
  if (!email) throw navigaError('INVALID_PARAMETER', NAVIGA_CODES.emailInvalid, 'Email is not a valid email address.');
  const rawIgnore = param(query, 'ignoreProvider');
  let ignoreProvider = false;
  if (rawIgnore !== undefined && !(typeof rawIgnore === 'string' && rawIgnore.trim() === '')) {
    const text = typeof rawIgnore === 'string' ? rawIgnore.trim().toLowerCase() : '';
    if (text !== 'true' && text !== 'false') {
      throw navigaError('INVALID_PARAMETER', NAVIGA_CODES.ignoreProviderInvalid, 'IgnoreProvider must be true or false.');
    }
    ignoreProvider = text === 'true';
  }
  return { email, ignoreProvider };
}

const same = (a: string | undefined, b: string) => a !== undefined && a.trim().toLowerCase() === b.toLowerCase();

/**
 * The brand the paper code names, checking that the codes agree with the key: the client group and client codes
 * must be the key's tenant's; the paper code must be the key's brand's (a brand key), else one of the tenant's
 * brands' or the tenant's own paper code (null: the tenant level, no brand). Codes compare trimmed, ignoring case.
 * @throws AppError API_KEY_INVALID (UsersOrchestrator_E401_02) when they do not agree.
 */
export function brandOfCodes(
  headers: NavigaHeaders,
  tenant: TenantCodes,
  brands: readonly { id: string; codes: TenantCodes }[],
  keyBrandId: string | null,
): string | null {
  const mismatch = () => navigaError('API_KEY_INVALID', NAVIGA_CODES.codesMismatch, 'The client codes do not match the credentials.');
  if (!same(tenant.clientGroup, headers.clientGroupCode) || !same(tenant.client, headers.clientCode)) throw mismatch();
  if (keyBrandId) {
    const brand = brands.find((b) => b.id === keyBrandId);
    const paper = brand?.codes.paper ?? tenant.paper;
    if (!same(paper, headers.paperCode)) throw mismatch();
    return keyBrandId;
  }
  const brand = brands.find((b) => same(b.codes.paper, headers.paperCode));
  if (brand) return brand.id;
  if (same(tenant.paper, headers.paperCode)) return null;
  throw mismatch();
}

/** Whole years between a YYYY-MM-DD birth date and now (UTC). */
export function ageOn(birthDate: string, now: Date): number {
  const [year, month, day] = birthDate.split('-').map(Number);
  const beforeBirthday = now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  return now.getUTCFullYear() - year - (beforeBirthday ? 1 : 0);
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Metadata keys that are Roster profile fields. */
function builtIn(user: UserView | null, lookup: MergedLookup, now: Date): Partial<Record<NavigaMetadataKey, unknown>> {
  const merged = lookup.merged;
  return {
    phoneNumber: merged?.phone ?? user?.phone,
    gender: user?.gender,
    age: user?.birthDate ? ageOn(user.birthDate, now) : null,
    dob: user?.birthDate,
    dobYYYY: user?.birthDate?.slice(0, 4),
    city: user?.city,
    country: user?.country,
    timeZone: user?.timezone,
    postalCode: user?.postalCode,
    scoreMember: user?.score,
    photo: merged?.picture ?? user?.picture,
    displayName: merged?.name ?? user?.name,
  };
}

/**
 * Every documented metadata key, as a string or null. A key is filled from the Roster profile field it names,
 * else from a custom attribute or a consent of that exact name, else from the provider's metadata.
 */
export function toNavigaMetadata(lookup: MergedLookup, now: Date): NavigaMetadata {
  const user = lookup.local;
  const fields = builtIn(user, lookup, now);
  const providerExtras = lookup.merged?.metadata ?? {};
  const out = {} as NavigaMetadata;
  for (const key of METADATA_KEYS) {
    out[key] = text(fields[key] ?? user?.attributes[key] ?? user?.consents[key] ?? providerExtras[key]);
  }
  return out;
}

/**
 * One `data` item: the Roster user merged with the provider's view. `customerRegistrationId` is the Roster id
 * (null for a user only the provider knows); `verified` is the provider's email_verified, false when unknown.
 */
export function toNavigaUser(lookup: MergedLookup, seal: ((userId: string) => string) | null, now: Date): NavigaUser | null {
  const merged = lookup.merged;
  if (!merged) return null;
  const id = lookup.local?.id ?? null;
  return {
    customerRegistrationId: id,
    encryptedCustomerRegistrationId: id && seal ? seal(id) : null,
    email: merged.email,
    firstName: merged.firstName,
    lastName: merged.lastName,
    state: merged.status === 'deactivated' ? 'Inactive' : 'Active',
    metadata: toNavigaMetadata(lookup, now),
    verified: merged.emailVerified === true,
  };
}
