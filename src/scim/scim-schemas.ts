/** The schemas Roster publishes at /scim/v2/Schemas (RFC 7643 §7 form), and what the mapping reads of them. */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const USER_EXTENSION_SCHEMA = 'urn:roster:params:scim:schemas:extension:2.0:User';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export interface ScimAttribute {
  name: string;
  type: 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: ScimAttribute[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

function attr(name: string, type: ScimAttribute['type'], description: string, more: Partial<ScimAttribute> = {}): ScimAttribute {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...more,
  };
}

const multiValue = (what: string, types: string[]) => [
  attr('value', 'string', `The ${what}.`),
  attr('display', 'string', 'A human-readable name.'),
  attr('type', 'string', `The kind of ${what}.`, { canonicalValues: types }),
  attr('primary', 'boolean', 'The primary value; Roster stores only the primary (or first) one.'),
];

export const USER_ATTRIBUTES: ScimAttribute[] = [
  attr('userName', 'string', 'Unique per tenant, case-insensitively; Roster `username`.', { required: true, uniqueness: 'server' }),
  attr('name', 'complex', 'Roster firstName, lastName and name.', {
    subAttributes: [
      attr('formatted', 'string', 'The full name (Roster `name` when displayName is not sent).'),
      attr('familyName', 'string', 'Roster lastName.'),
      attr('givenName', 'string', 'Roster firstName.'),
      attr('middleName', 'string', 'Not stored.'),
      attr('honorificPrefix', 'string', 'Not stored.'),
      attr('honorificSuffix', 'string', 'Not stored.'),
    ],
  }),
  attr('displayName', 'string', 'Roster `name`.'),
  attr('locale', 'string', 'A BCP 47 tag.'),
  attr('timezone', 'string', 'An IANA time zone.'),
  attr('active', 'boolean', 'false: deactivated (its sessions end).'),
  attr('password', 'string', 'Write-only; the tenant password policy applies.', { mutability: 'writeOnly', returned: 'never' }),
  attr('emails', 'complex', 'The primary (or first) is Roster `email`; others are not stored.', {
    multiValued: true,
    subAttributes: multiValue('email address', ['work', 'home', 'other']),
  }),
  attr('phoneNumbers', 'complex', 'The primary (or first) is Roster `phone` (E.164).', {
    multiValued: true,
    subAttributes: multiValue('phone number', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  }),
  attr('addresses', 'complex', 'The primary (or first) is Roster postalCode, city, region, country.', {
    multiValued: true,
    subAttributes: [
      attr('formatted', 'string', 'Not stored.'),
      attr('streetAddress', 'string', 'Not stored.'),
      attr('locality', 'string', 'Roster city.'),
      attr('region', 'string', 'Roster region.'),
      attr('postalCode', 'string', 'Roster postalCode.'),
      attr('country', 'string', 'ISO 3166-1 alpha-2; Roster country.'),
      attr('type', 'string', 'The kind of address.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'The primary address.'),
    ],
  }),
  attr('groups', 'complex', 'The groups the user belongs to; read-only.', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attr('value', 'string', 'The group id.', { mutability: 'readOnly' }),
      attr('$ref', 'reference', 'The group URI.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      attr('display', 'string', 'The group displayName.', { mutability: 'readOnly' }),
      attr('type', 'string', 'direct', { mutability: 'readOnly' }),
    ],
  }),
];

/**
 * The EnterpriseUser attributes Roster stores, each as the tenant's custom string attribute of the same name
 * (`manager` holds manager.value), defined on first use. Keys are lower-cased SCIM names.
 */
export const ENTERPRISE_FIELDS: Record<string, string> = {
  employeenumber: 'employeeNumber',
  costcenter: 'costCenter',
  organization: 'organization',
  division: 'division',
  department: 'department',
  manager: 'manager',
};

/** True for a custom attribute name the EnterpriseUser extension shows (and the Roster extension then does not). */
export function isEnterpriseAttribute(name: string): boolean {
  return Object.values(ENTERPRISE_FIELDS).includes(name);
}

const stored = (name: string) => `Stored as the custom string attribute ${name}; compared case-exactly.`;

export const ENTERPRISE_ATTRIBUTES: ScimAttribute[] = [
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((name) =>
    attr(name, 'string', stored(name), { caseExact: true }),
  ),
  attr('manager', 'complex', 'The manager; its value is stored as the custom string attribute manager.', {
    subAttributes: [
      attr('value', 'string', 'The manager id (as the IdP sends it).', { caseExact: true }),
      attr('$ref', 'reference', 'Not stored.', { referenceTypes: ['User'] }),
      attr('displayName', 'string', 'Not stored.', { mutability: 'readOnly' }),
    ],
  }),
];

export const GROUP_ATTRIBUTES: ScimAttribute[] = [
  attr('displayName', 'string', 'Unique per tenant, case-insensitively.', { required: true, uniqueness: 'server' }),
  attr('members', 'complex', 'The members (users).', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The member id.', { mutability: 'immutable', caseExact: true }),
      attr('$ref', 'reference', 'The member URI.', { mutability: 'immutable', referenceTypes: ['User'] }),
      attr('display', 'string', 'The member display name.', { mutability: 'readOnly' }),
      attr('type', 'string', 'User.', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
  }),
];

/** A tenant's custom attribute definition as the Roster extension shows it. */
export interface CustomAttributeSpec {
  name: string;
  type: string;
}

const SCIM_TYPE: Record<string, ScimAttribute['type']> = {
  string: 'string',
  number: 'decimal',
  integer: 'integer',
  boolean: 'boolean',
  date: 'string',
  datetime: 'dateTime',
};

/**
 * The Roster extension's attributes: the tenant's custom attributes as typed sub-attributes (but those the
 * EnterpriseUser extension shows), its number and brands.
 */
export function rosterAttributes(custom: CustomAttributeSpec[]): ScimAttribute[] {
  return [
    attr('number', 'integer', 'The per-tenant sequential number.', { mutability: 'readOnly', caseExact: true }),
    attr('brands', 'string', 'Slugs of the brands the user joined.', { mutability: 'readOnly', multiValued: true, caseExact: true }),
    attr('attributes', 'complex', 'The tenant’s custom attributes, as its attribute definitions type them.', {
      subAttributes: custom
        .filter((c) => !isEnterpriseAttribute(c.name))
        .map((c) => attr(c.name, SCIM_TYPE[c.type] ?? 'string', `Custom attribute ${c.name} (${c.type}).`, { caseExact: true })),
    }),
  ];
}

/** A Schema resource (RFC 7643 §7). */
export function schemaResource(baseUrl: string, id: string, name: string, description: string, attributes: ScimAttribute[]) {
  return {
    schemas: [SCHEMA_SCHEMA],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  };
}

/** Case-exactness of a user attribute (`attr` or `attr.sub`, lower-cased) per the published schema; id and externalId are case-exact. */
export function userCaseExact(name: string): boolean {
  const [top, sub] = name.toLowerCase().split('.') as [string, string | undefined];
  if (top === 'id' || top === 'externalid') return true;
  const a = USER_ATTRIBUTES.find((x) => x.name.toLowerCase() === top);
  if (!a) return false;
  if (!sub) return a.caseExact;
  return a.subAttributes?.find((s) => s.name.toLowerCase() === sub)?.caseExact ?? false;
}

/** True for a multi-valued attribute of a User or Group. */
export function isMultiValued(name: string): boolean {
  const lower = name.toLowerCase();
  return [...USER_ATTRIBUTES, ...GROUP_ATTRIBUTES].some((a) => a.multiValued && a.name.toLowerCase() === lower);
}
