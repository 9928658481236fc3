/**
 * JSON Schemas of the SCIM wire format for /openapi/scim.json. The User and Group schemas are generated from the
 * attribute definitions /scim/v2/Schemas publishes (scim-schemas.ts), so the document and the discovery endpoints
 * cannot disagree; the message schemas follow RFC 7644 and the protocol layer (src/scim/protocol/).
 */
import { SCIM_ERROR_SCHEMA } from './protocol/errors.ts';
import {
  ENTERPRISE_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  GROUP_ATTRIBUTES,
  GROUP_SCHEMA,
  rosterAttributes,
  type ScimAttribute,
  USER_ATTRIBUTES,
  USER_EXTENSION_SCHEMA,
  USER_SCHEMA,
} from './scim-schemas.ts';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

const TYPES: Record<ScimAttribute['type'], Json> = {
  string: { type: 'string' },
  boolean: { type: 'boolean' },
  decimal: { type: 'number' },
  integer: { type: 'integer' },
  dateTime: { type: 'string', format: 'date-time' },
  reference: { type: 'string', format: 'uri-reference' },
  binary: { type: 'string', contentEncoding: 'base64' },
  complex: { type: 'object' },
};

/** The JSON Schema of one published attribute: its type, description, mutability and sub-attributes. */
function attributeSchema(a: ScimAttribute): Json {
  const one: Json = { ...TYPES[a.type] };
  if (a.type === 'complex') one.properties = Object.fromEntries((a.subAttributes ?? []).map((s) => [s.name, attributeSchema(s)]));
  // Entra sends booleans as "True"/"False" strings; the routes read both.
  if (a.type === 'boolean') one.type = ['boolean', 'string'];
  if (a.canonicalValues) one.examples = a.canonicalValues;
  const flags: Json = { description: a.description };
  if (a.mutability === 'readOnly') flags.readOnly = true;
  if (a.mutability === 'writeOnly') flags.writeOnly = true;
  return a.multiValued ? { type: 'array', items: one, ...flags } : { ...one, ...flags };
}

function attributesObject(attributes: ScimAttribute[]): Json {
  return Object.fromEntries(attributes.map((a) => [a.name, attributeSchema(a)]));
}

const META: Json = {
  type: 'object',
  readOnly: true,
  description: 'Set by the server; meta.version is the ETag to send as If-Match',
  properties: {
    resourceType: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    lastModified: { type: 'string', format: 'date-time' },
    location: { type: 'string', format: 'uri' },
    version: { type: 'string', examples: ['W/"3"'] },
  },
};

/** A resource with its core attributes, `schemas`, `id`, `externalId`, `meta` and extensions keyed by their URN. */
function resourceSchema(description: string, core: string, attributes: ScimAttribute[], extensions: Record<string, Json>): Json {
  return {
    type: 'object',
    description,
    required: ['schemas', ...attributes.filter((a) => a.required).map((a) => a.name)],
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: [core, ...Object.keys(extensions)] }, minItems: 1 },
      id: { type: 'string', readOnly: true, description: 'Roster’s id (a UUIDv7)' },
      externalId: { type: 'string', description: 'The identity provider’s id for the resource' },
      ...attributesObject(attributes),
      ...extensions,
      meta: META,
    },
  };
}

const rosterExtension = rosterAttributes([]);
const CUSTOM_ATTRIBUTES = `${rosterExtension.find((a) => a.name === 'attributes')?.description} Their names and types are the tenant’s: GET /scim/v2/Schemas lists them.`;

const SCIM_USER = resourceSchema('A SCIM User (RFC 7643 §4.1) over a Roster user', USER_SCHEMA, USER_ATTRIBUTES, {
  [ENTERPRISE_SCHEMA]: {
    type: 'object',
    description: 'Accepted; not stored yet (docs/scim.md)',
    properties: attributesObject(ENTERPRISE_ATTRIBUTES),
  },
  [USER_EXTENSION_SCHEMA]: {
    type: 'object',
    description: 'Roster’s own fields and the tenant’s custom attributes',
    properties: {
      ...attributesObject(rosterExtension),
      // The sub-attributes are per tenant: the document allows any, GET /Schemas names this tenant's.
      attributes: { type: 'object', description: CUSTOM_ATTRIBUTES, additionalProperties: true },
    },
  },
});

const SCIM_GROUP = resourceSchema('A SCIM Group (RFC 7643 §4.2) over a Roster group', GROUP_SCHEMA, GROUP_ATTRIBUTES, {});

const listOf = (item: string, description: string): Json => ({
  type: 'object',
  description,
  required: ['schemas', 'totalResults', 'startIndex', 'itemsPerPage', 'Resources'],
  properties: {
    schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:ListResponse' } },
    totalResults: { type: 'integer', description: 'Every match, not only this page' },
    startIndex: { type: 'integer', minimum: 1 },
    itemsPerPage: { type: 'integer', minimum: 0 },
    Resources: { type: 'array', items: ref(item) },
  },
});

const ATTRIBUTE_DEFINITION: Json = {
  type: 'object',
  description: 'An attribute definition (RFC 7643 §7)',
  required: ['name', 'type', 'multiValued'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: Object.keys(TYPES) },
    multiValued: { type: 'boolean' },
    description: { type: 'string' },
    required: { type: 'boolean' },
    caseExact: { type: 'boolean' },
    mutability: { type: 'string', enum: ['readOnly', 'readWrite', 'immutable', 'writeOnly'] },
    returned: { type: 'string', enum: ['always', 'never', 'default', 'request'] },
    uniqueness: { type: 'string', enum: ['none', 'server', 'global'] },
    subAttributes: { type: 'array', items: ref('ScimAttributeDefinition') },
    referenceTypes: { type: 'array', items: { type: 'string' } },
    canonicalValues: { type: 'array', items: { type: 'string' } },
  },
};

const supported = (extra: Json = {}): Json => ({
  type: 'object',
  required: ['supported'],
  properties: { supported: { type: 'boolean' }, ...extra },
});

const bulkOperation = (response: boolean): Json => ({
  type: 'object',
  required: response ? ['method', 'status'] : ['method', 'path'],
  properties: {
    method: { type: 'string', enum: ['POST', 'PUT', 'PATCH', 'DELETE'] },
    bulkId: { type: 'string', description: 'Required for POST; other operations refer to the new resource as bulkId:<id>' },
    version: { type: 'string', description: 'An ETag the resource must still have (as If-Match)' },
    ...(response
      ? {
          location: { type: 'string', format: 'uri' },
          status: { type: 'string', description: 'The operation’s HTTP status, as a string' },
          response: { description: 'The error of a failed operation', ...ref('ScimError') },
        }
      : {
          path: { type: 'string', description: '/Users, /Users/{id}, /Groups or /Groups/{id}' },
          data: { description: 'The resource (POST, PUT) or the PatchOp (PATCH)', type: 'object' },
        }),
  },
});

/** The components of /openapi/scim.json. */
export const SCIM_COMPONENT_SCHEMAS: Record<string, Json> = {
  ScimUser: SCIM_USER,
  ScimGroup: SCIM_GROUP,
  ScimUserList: listOf('ScimUser', 'A page of users (RFC 7644 §3.4.2)'),
  ScimGroupList: listOf('ScimGroup', 'A page of groups (RFC 7644 §3.4.2)'),
  ScimResourceTypeList: listOf('ScimResourceType', 'The resource types served'),
  ScimSchemaList: listOf('ScimSchema', 'The schemas served'),
  ScimError: {
    type: 'object',
    description: 'An error (RFC 7644 §3.12)',
    required: ['schemas', 'status', 'detail'],
    properties: {
      schemas: { type: 'array', items: { const: SCIM_ERROR_SCHEMA } },
      status: { type: 'string', description: 'The HTTP status, as a string', examples: ['409'] },
      scimType: {
        type: 'string',
        enum: [
          'invalidFilter',
          'tooMany',
          'uniqueness',
          'mutability',
          'invalidSyntax',
          'invalidPath',
          'noTarget',
          'invalidValue',
          'invalidVers',
          'sensitive',
        ],
      },
      detail: { type: 'string' },
    },
  },
  ScimPatchOp: {
    type: 'object',
    description: 'A PATCH request (RFC 7644 §3.5.2): every operation applies, or none does',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:PatchOp' } },
      Operations: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['op'],
          properties: {
            op: { type: 'string', description: 'add, replace or remove (any case: Entra capitalizes)' },
            path: { type: 'string', description: 'An attribute path, with a value filter for multi-valued ones: members[value eq "…"]' },
            value: { description: 'The new value; without a path, an object of attributes' },
          },
        },
      },
    },
  },
  ScimSearchRequest: {
    type: 'object',
    description: 'A query in the body (RFC 7644 §3.4.3)',
    properties: {
      schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest' } },
      filter: { type: 'string', examples: ['userName eq "ada@example.com"'] },
      sortBy: { type: 'string' },
      sortOrder: { type: 'string', enum: ['ascending', 'descending'] },
      startIndex: { type: 'integer', minimum: 1 },
      count: { type: 'integer', minimum: 0 },
      attributes: { type: 'array', items: { type: 'string' } },
      excludedAttributes: { type: 'array', items: { type: 'string' } },
    },
  },
  ScimBulkRequest: {
    type: 'object',
    description: 'Several operations in one request (RFC 7644 §3.7)',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest' } },
      failOnErrors: { type: 'integer', minimum: 1, description: 'Stop after this many failed operations' },
      Operations: { type: 'array', items: bulkOperation(false) },
    },
  },
  ScimBulkResponse: {
    type: 'object',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse' } },
      Operations: { type: 'array', items: bulkOperation(true) },
    },
  },
  ScimServiceProviderConfig: {
    type: 'object',
    description: 'What this service provider supports (RFC 7643 §5)',
    properties: {
      schemas: { type: 'array', items: { type: 'string' } },
      documentationUri: { type: 'string', format: 'uri' },
      patch: supported(),
      bulk: supported({ maxOperations: { type: 'integer' }, maxPayloadSize: { type: 'integer' } }),
      filter: supported({ maxResults: { type: 'integer' } }),
      changePassword: supported(),
      sort: supported(),
      etag: supported(),
      authenticationSchemes: {
        type: 'array',
        items: {
          type: 'object',
          properties: { type: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, primary: { type: 'boolean' } },
        },
      },
      meta: META,
    },
  },
  ScimResourceType: {
    type: 'object',
    description: 'A resource type (RFC 7643 §6)',
    properties: {
      schemas: { type: 'array', items: { type: 'string' } },
      id: { type: 'string', enum: ['User', 'Group'] },
      name: { type: 'string' },
      endpoint: { type: 'string' },
      description: { type: 'string' },
      schema: { type: 'string' },
      schemaExtensions: {
        type: 'array',
        items: { type: 'object', properties: { schema: { type: 'string' }, required: { type: 'boolean' } } },
      },
      meta: META,
    },
  },
  ScimSchema: {
    type: 'object',
    description: 'A schema (RFC 7643 §7); the Roster extension lists the tenant’s custom attributes',
    properties: {
      schemas: { type: 'array', items: { type: 'string' } },
      id: { type: 'string', enum: [USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_EXTENSION_SCHEMA] },
      name: { type: 'string' },
      description: { type: 'string' },
      attributes: { type: 'array', items: ref('ScimAttributeDefinition') },
      meta: META,
    },
  },
  ScimAttributeDefinition: ATTRIBUTE_DEFINITION,
};
