import type { UserInput, UserView } from '../modules/users/users.ts';
import type { UserChange } from '../use-cases/user-change.ts';
import { ScimError } from './protocol/errors.ts';
import { getInsensitive } from './protocol/filter-eval.ts';
import { ENTERPRISE_SCHEMA, USER_EXTENSION_SCHEMA, USER_SCHEMA } from './scim-schemas.ts';

/** SCIM User ⇄ Roster user. Pure: no I/O. */

export type ScimUser = Record<string, unknown> & { id: string; schemas: string[] };

/** The weak ETag of a version, as meta.version and the ETag header carry it. */
export function versionTag(version: number): string {
  return `W/"${version}"`;
}

function compact<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

/**
 * The SCIM User of a Roster user. `userName` is required by RFC 7643: a user created without a username (through
 * the native API) shows its email, else its external id, else its id there (filters match stored usernames only).
 * `groups` are the user's groups (read-only; all memberships are direct).
 */
export function toScimUser(user: UserView, baseUrl: string, groups: readonly { id: string; displayName: string }[] = []): ScimUser {
  const name = compact({
    formatted: user.name ?? ([user.firstName, user.lastName].filter(Boolean).join(' ') || null),
    givenName: user.firstName,
    familyName: user.lastName,
  });
  const address = compact({ postalCode: user.postalCode, locality: user.city, region: user.region, country: user.country });
  const resource: ScimUser = {
    schemas: [USER_SCHEMA, USER_EXTENSION_SCHEMA],
    id: user.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.username ?? user.email ?? user.externalId ?? user.id,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(user.name !== null ? { displayName: user.name } : {}),
    ...(user.email !== null ? { emails: [{ value: user.email, type: 'work', primary: true }] } : {}),
    ...(user.phone !== null ? { phoneNumbers: [{ value: user.phone, type: 'mobile', primary: true }] } : {}),
    ...(Object.keys(address).length > 0 ? { addresses: [{ ...address, type: 'home', primary: true }] } : {}),
    ...(user.locale !== null ? { locale: user.locale } : {}),
    ...(user.timezone !== null ? { timezone: user.timezone } : {}),
    active: user.status === 'active',
    groups: groups.map((g) => ({ value: g.id, $ref: `${baseUrl}/Groups/${g.id}`, display: g.displayName, type: 'direct' })),
    [USER_EXTENSION_SCHEMA]: { number: user.number, brands: user.brands.map((b) => b.slug), attributes: user.attributes },
    meta: {
      resourceType: 'User',
      created: user.createdAt,
      lastModified: user.updatedAt,
      location: `${baseUrl}/Users/${user.id}`,
      version: versionTag(user.version),
    },
  };
  return resource;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ScimError(400, 'invalidValue', `${field} must be a string`);
  return value;
}

/** Entra sends booleans as "True"/"False" strings; both forms are read. */
export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new ScimError(400, 'invalidValue', `${field} must be a boolean`);
}

/** The primary element of a multi-valued attribute, else the first. */
function primaryOf(value: unknown, field: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new ScimError(400, 'invalidValue', `${field} must be an array`);
  const items = value.filter(isObject);
  return items.find((item) => getInsensitive(item, 'primary') === true || getInsensitive(item, 'primary') === 'True') ?? items[0] ?? null;
}

/**
 * The user change a SCIM User resource asks for. `replace` (POST, PUT, a patched resource): every mapped attribute
 * absent from the resource is cleared; otherwise absent ones are left out. Read-only attributes are ignored
 * (§3.5.1). The username is required.
 * @throws ScimError 400 invalidValue (a wrong type), invalidSyntax (no userName or wrong schemas)
 */
export function toUserChange(resource: Record<string, unknown>, replace: boolean): UserChange {
  const schemas = getInsensitive(resource, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => String(s).toLowerCase() === USER_SCHEMA.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `schemas must include ${USER_SCHEMA}`);
  }
  const get = (name: string) => getInsensitive(resource, name);
  const userName = str(get('userName'), 'userName');
  if (!userName?.trim()) throw new ScimError(400, 'invalidValue', 'userName is required');
  const name = get('name');
  if (name !== undefined && name !== null && !isObject(name)) throw new ScimError(400, 'invalidValue', 'name must be an object');
  const n = (sub: string) => (isObject(name) ? str(getInsensitive(name, sub), `name.${sub}`) : null);
  const email = primaryOf(get('emails'), 'emails');
  const phone = primaryOf(get('phoneNumbers'), 'phoneNumbers');
  const address = primaryOf(get('addresses'), 'addresses');
  const a = (sub: string) => (address ? str(getInsensitive(address, sub), `addresses.${sub}`) : null);
  const profile: UserInput = {
    username: userName,
    externalId: str(get('externalId'), 'externalId'),
    name: str(get('displayName'), 'displayName') ?? n('formatted'),
    firstName: n('givenName'),
    lastName: n('familyName'),
    email: email ? str(getInsensitive(email, 'value'), 'emails.value') : null,
    phone: phone ? str(getInsensitive(phone, 'value'), 'phoneNumbers.value') : null,
    postalCode: a('postalCode'),
    city: a('locality'),
    region: a('region'),
    country: a('country'),
    locale: str(get('locale'), 'locale'),
    timezone: str(get('timezone'), 'timezone'),
  };
  if (!replace) for (const key of Object.keys(profile) as (keyof UserInput)[]) if (profile[key] === null) delete profile[key];
  const change: UserChange = { profile };
  const roster = get(USER_EXTENSION_SCHEMA);
  if (isObject(roster)) {
    const attributes = getInsensitive(roster, 'attributes');
    if (attributes !== undefined && attributes !== null && !isObject(attributes)) {
      throw new ScimError(400, 'invalidValue', `${USER_EXTENSION_SCHEMA}:attributes must be an object`);
    }
    if (isObject(attributes)) change.attributes = attributes;
  }
  const active = get('active');
  if (active !== undefined && active !== null) change.status = readBoolean(active, 'active') ? 'active' : 'deactivated';
  else if (replace) change.status = 'active';
  const password = get('password');
  if (password !== undefined && password !== null) change.credential = { password: str(password, 'password') as string };
  if (get(ENTERPRISE_SCHEMA) !== undefined && !schemas.includes(ENTERPRISE_SCHEMA)) {
    // Accepted and not stored yet (docs/scim.md says so); never an error, IdPs send it by default.
  }
  return change;
}
