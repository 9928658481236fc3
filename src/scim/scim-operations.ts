/**
 * What the OpenAPI document says of each SCIM operation. The SCIM routes validate their bodies themselves (the
 * protocol layer, RFC 7644), so they carry no schema but these words; the document for identity providers is
 * `/openapi/scim.json`, apart from the native API's.
 */
const OPERATIONS: Readonly<Record<string, readonly [operationId: string, summary: string]>> = {
  'GET /ServiceProviderConfig': ['getServiceProviderConfig', 'What this service provider supports (RFC 7643 §5)'],
  'GET /ResourceTypes': ['listResourceTypes', 'The resource types served: User and Group'],
  'GET /ResourceTypes/:id': ['getResourceType', 'One resource type'],
  'GET /Schemas': ['listSchemas', 'The schemas served, the tenant’s custom attributes included'],
  'GET /Schemas/:id': ['getSchema', 'One schema by its URN'],
  'GET /Users': ['listScimUsers', 'List or filter users (filter, sortBy, startIndex, count, attributes)'],
  'POST /Users/.search': ['searchScimUsers', 'Search users with the query in the body'],
  'POST /Users': ['createScimUser', 'Create a user'],
  'GET /Users/:id': ['getScimUser', 'Get a user'],
  'PUT /Users/:id': ['replaceScimUser', 'Replace a user'],
  'PATCH /Users/:id': ['patchScimUser', 'Change a user (add, replace, remove operations; one atomic change)'],
  'DELETE /Users/:id': ['deleteScimUser', 'Delete (erase) a user'],
  'GET /Groups': ['listScimGroups', 'List or filter groups'],
  'POST /Groups/.search': ['searchScimGroups', 'Search groups with the query in the body'],
  'POST /Groups': ['createScimGroup', 'Create a group with its members'],
  'GET /Groups/:id': ['getScimGroup', 'Get a group'],
  'PUT /Groups/:id': ['replaceScimGroup', 'Replace a group'],
  'PATCH /Groups/:id': ['patchScimGroup', 'Change a group and its members (one atomic change)'],
  'DELETE /Groups/:id': ['deleteScimGroup', 'Delete a group'],
  'POST /Bulk': ['scimBulk', 'Several operations in one request, with bulkId references'],
};

/** The OpenAPI words of a SCIM route (path relative to /scim/v2), tagged `scim`. */
export function scimOperationSchema(method: string, path: string): { tags: string[]; operationId?: string; summary?: string } {
  const found = OPERATIONS[`${method} ${path}`];
  return found ? { tags: ['scim'], operationId: found[0], summary: found[1] } : { tags: ['scim'] };
}
