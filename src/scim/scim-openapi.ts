/**
 * What /openapi/scim.json says beyond the routes' words (scim-operations.ts): request bodies, query and header
 * parameters, responses with their schemas and the errors each operation can answer, and the bearer key. The SCIM
 * routes validate their bodies themselves (the protocol layer), so these schemas are the document's only: a Fastify
 * schema would validate and serialize (and drop the custom attributes a tenant defines).
 */
import type { DocumentAdditions } from '../http/openapi-document.ts';
import { SCIM_LIMITS } from './scim-discovery.ts';
import { SCIM_COMPONENT_SCHEMAS } from './scim-openapi-schemas.ts';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
/** Answers are always application/scim+json; bodies may come as application/json too (RFC 7644 §3.1). */
const content = (schema: Json): Json => ({ 'application/scim+json': { schema } });
const requestContent = (schema: Json): Json => ({ 'application/scim+json': { schema }, 'application/json': { schema } });

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request (scimType says why: invalidFilter, invalidSyntax, invalidValue, invalidPath, noTarget, mutability)',
  401: 'No API key, or not a valid one',
  403: 'The key lacks the scim scope',
  404: 'No such resource',
  409: 'Uniqueness: another resource holds the userName, email, phone, externalId or displayName',
  412: 'If-Match names a version the resource no longer has',
  413: `More than ${SCIM_LIMITS.bulkMaxOperations} operations or ${SCIM_LIMITS.bulkMaxPayloadSize} bytes (tooMany)`,
  429: 'Too many requests (see Retry-After)',
};

const error = (status: number): Json => ({ description: ERROR_TEXT[status], content: content(ref('ScimError')) });

function responses(success: Record<number, Json>, errors: number[]): Json {
  const out: Json = {};
  for (const [status, answer] of Object.entries(success)) out[status] = answer;
  for (const status of [...errors, 401, 403, 429].sort((a, b) => a - b)) out[status] = error(status);
  return out;
}

const ok = (description: string, schema: string, etag = false): Json => ({
  description,
  ...(etag ? { headers: { ETag: { description: 'The version, as meta.version', schema: { type: 'string' } } } } : {}),
  content: content(ref(schema)),
});
const created = (schema: string): Json => ({
  ...ok('Created', schema, true),
  headers: {
    ETag: { description: 'The version, as meta.version', schema: { type: 'string' } },
    Location: { description: 'The new resource’s URI', schema: { type: 'string', format: 'uri' } },
  },
});
const NO_CONTENT: Json = { description: 'Deleted' };

const query = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ in: 'query', name, description, schema });
const PROJECTION = [
  query('attributes', 'Comma-separated attributes to return (id and schemas always are)'),
  query('excludedAttributes', 'Comma-separated attributes to leave out (excludedAttributes=members skips the member list)'),
];
const LIST = [
  query('filter', 'A SCIM filter (RFC 7644 §3.4.2.2), e.g. userName eq "ada@example.com"'),
  query('sortBy', 'The attribute to sort by'),
  query('sortOrder', 'ascending (default) or descending', { type: 'string', enum: ['ascending', 'descending'] }),
  query('startIndex', '1-based index of the first result', { type: 'integer', minimum: 1 }),
  query('count', `Results per page (at most ${SCIM_LIMITS.maxResults})`, { type: 'integer', minimum: 0 }),
  ...PROJECTION,
];
const IF_MATCH: Json = {
  in: 'header',
  name: 'If-Match',
  description: 'Apply only if the resource still has this version (its ETag, meta.version)',
  schema: { type: 'string', examples: ['W/"3"'] },
};
const body = (schema: string, description: string): Json => ({ required: true, description, content: requestContent(ref(schema)) });

/** Every resource (User, Group) has the same eight operations; only names and schemas differ. */
function resourceOperations(kind: 'User' | 'Group'): Record<string, Json> {
  const [plural, schema, list] = kind === 'User' ? ['Users', 'ScimUser', 'ScimUserList'] : ['Groups', 'ScimGroup', 'ScimGroupList'];
  const id = `Scim${kind}`;
  return {
    [`list${id}s`]: { parameters: LIST, responses: responses({ 200: ok(`A page of ${plural.toLowerCase()}`, list) }, [400]) },
    [`search${id}s`]: {
      requestBody: body('ScimSearchRequest', 'The query'),
      responses: responses({ 200: ok(`A page of ${plural.toLowerCase()}`, list) }, [400]),
    },
    [`create${id}`]: {
      parameters: PROJECTION,
      requestBody: body(schema, `The new ${kind.toLowerCase()}`),
      responses: responses({ 201: created(schema) }, [400, 409]),
    },
    [`get${id}`]: { parameters: PROJECTION, responses: responses({ 200: ok(`The ${kind.toLowerCase()}`, schema, true) }, [400, 404]) },
    [`replace${id}`]: {
      parameters: [...PROJECTION, IF_MATCH],
      requestBody: body(schema, `The whole ${kind.toLowerCase()}: attributes left out are cleared`),
      responses: responses({ 200: ok(`The ${kind.toLowerCase()} replaced`, schema, true) }, [400, 404, 409, 412]),
    },
    [`patch${id}`]: {
      parameters: [...PROJECTION, IF_MATCH],
      requestBody: body('ScimPatchOp', 'The operations, applied as one change'),
      responses: responses({ 200: ok(`The ${kind.toLowerCase()} changed`, schema, true) }, [400, 404, 409, 412]),
    },
    [`delete${id}`]: { parameters: [IF_MATCH], responses: responses({ 204: NO_CONTENT }, [400, 404, 412]) },
  };
}

/** The additions that make /openapi/scim.json complete. */
export function scimDocumentAdditions(): DocumentAdditions {
  return {
    components: {
      schemas: SCIM_COMPONENT_SCHEMAS,
      securitySchemes: {
        scimKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key with the scim scope' },
      },
    },
    security: [{ scimKey: [] }],
    operations: {
      getServiceProviderConfig: { responses: responses({ 200: ok('The configuration', 'ScimServiceProviderConfig') }, []) },
      listResourceTypes: { responses: responses({ 200: ok('User and Group', 'ScimResourceTypeList') }, []) },
      getResourceType: { responses: responses({ 200: ok('The resource type', 'ScimResourceType') }, [404]) },
      listSchemas: { responses: responses({ 200: ok('Every schema, with the tenant’s custom attributes', 'ScimSchemaList') }, []) },
      getSchema: { responses: responses({ 200: ok('The schema', 'ScimSchema') }, [404]) },
      ...resourceOperations('User'),
      ...resourceOperations('Group'),
      scimBulk: {
        requestBody: body('ScimBulkRequest', 'The operations, in order'),
        responses: responses({ 200: ok('One result per operation run', 'ScimBulkResponse') }, [400, 413]),
      },
    },
  };
}
