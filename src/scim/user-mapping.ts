import type { UserInput, UserView } from '../modules/users/users.ts';
import type { UserChange } from '../use-cases/user-change.ts';
import { ScimError } from './protocol/errors.ts';
import { getInsensitive } from './protocol/filter-eval.ts';
import { ENTERPRISE_FIELDS, ENTERPRISE_SCHEMA, isEnterpriseAttribute, USER_EXTENSION_SCHEMA, USER_SCHEMA } from './scim-schemas.ts';

/** SCIM User ⇄ Roster user. Pure: no I/O. */

export type ScimUser = Record<string, unknown> & { id: string; schemas: string[] };

/** The weak ETag of a version, as meta.version and the ETag header carry it. */
export function versionTag(version: number): string {
  return `W/"${version}"`;
}

/** The EnterpriseUser extension of a user: its enterprise custom attributes that hold strings (`manager` as manager.value). */
function enterpriseOf(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.values(ENTERPRISE_FIELDS)) {
    const value = attributes[name];
    if (typeof value === 'string') out[name] = name === 'manager' ? { value } : value;
  }
  return out;
}

/** The custom attributes the Roster extension shows: all but the enterprise ones (shown in their own extension). */
function rosterAttributesOf(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !isEnterpriseAttribute(name)));
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
  const enterprise = enterpriseOf(user.attributes);
  const hasEnterprise = Object.keys(enterprise).length > 0;
  const resource: ScimUser = {
    schemas: hasEnterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA, USER_EXTENSION_SCHEMA] : [USER_SCHEMA, USER_EXTENSION_SCHEMA],
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
    ...(hasEnterprise ? { [ENTERPRISE_SCHEMA]: enterprise } : {}),
    [USER_EXTENSION_SCHEMA]: {
      number: user.number,
      brands: user.brands.map((b) => b.slug),
      attributes: rosterAttributesOf(user.attributes),
    },
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
 * The extension with the enterprise attributes a client sent unqualified at the top level (an older Entra PATCH
 * path is a bare `manager`). They win: Roster never shows them there, so one present was just sent (a PATCHed
 * resource still carries the old qualified value).
 */
function withUnqualified(extension: unknown, resource: Record<string, unknown>): unknown {
  const loose = Object.keys(ENTERPRISE_FIELDS).flatMap((key) => {
    const value = getInsensitive(resource, key);
    return value === undefined ? [] : [[key, value] as const];
  });
  if (loose.length === 0 || (extension !== undefined && extension !== null && !isObject(extension))) return extension;
  const out: Record<string, unknown> = {};
  if (isObject(extension)) for (const [key, value] of Object.entries(extension)) out[key.toLowerCase()] = value;
  for (const [key, value] of loose) out[key] = value;
  return out;
}

/**
 * The enterprise custom attributes an EnterpriseUser extension value sets: each string (empty = none), `manager`
 * as a string id (Entra's PATCH value), `{value}` or `[{value}]`; with `replace`, an absent one is removed. Null when the
 * extension is absent and nothing is replaced.
 * @throws ScimError 400 invalidValue for a value that is no string (or no manager object)
 */
function enterpriseChange(extension: unknown, replace: boolean): Record<string, string | null> | null {
  if (extension === undefined || extension === null) {
    if (!replace) return null;
    extension = {};
  }
  if (!isObject(extension)) throw new ScimError(400, 'invalidValue', `${ENTERPRISE_SCHEMA} must be an object`);
  const out: Record<string, string | null> = {};
  for (const [key, name] of Object.entries(ENTERPRISE_FIELDS)) {
    let value = getInsensitive(extension, key);
    // Entra's PATCH sends the manager as a bare id, older Entra as `[{"value": id}]`, the RFC as `{value}`.
    if (name === 'manager' && Array.isArray(value)) value = value[0] ?? null;
    if (name === 'manager' && isObject(value)) value = getInsensitive(value, 'value');
    const text = str(value, `${ENTERPRISE_SCHEMA}:${name}${name === 'manager' ? '.value' : ''}`);
    if (text === null && !replace && value === undefined) continue;
    out[name] = text?.trim() ? text : null;
  }
  return out;
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
    if (isObject(attributes)) change.attributes = { ...attributes };
  }
  const enterprise = enterpriseChange(withUnqualified(get(ENTERPRISE_SCHEMA), resource), replace);
  if (enterprise) {
    // The enterprise attributes are reached through their extension: its values win over the Roster extension's.
    change.attributes = { ...change.attributes, ...enterprise };
    const defined = Object.entries(enterprise).filter(([, value]) => value !== null);
    if (defined.length > 0) change.defineAttributes = defined.map(([name]) => ({ name, type: 'string', searchable: true }));
  }
  const active = get('active');
  if (active !== undefined && active !== null) change.status = readBoolean(active, 'active') ? 'active' : 'deactivated';
  else if (replace) change.status = 'active';
  const password = get('password');
  if (password !== undefined && password !== null) change.credential = { password: str(password, 'password') as string };
  return change;
}
