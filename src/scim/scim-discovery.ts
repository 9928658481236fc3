import type { CustomAttributeSpec } from './scim-schemas.ts';
import {
  ENTERPRISE_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  GROUP_ATTRIBUTES,
  GROUP_SCHEMA,
  rosterAttributes,
  schemaResource,
  USER_ATTRIBUTES,
  USER_EXTENSION_SCHEMA,
  USER_SCHEMA,
} from './scim-schemas.ts';

/** The limits ServiceProviderConfig publishes and the routes enforce. */
export const SCIM_LIMITS = { maxResults: 200, bulkMaxOperations: 100, bulkMaxPayloadSize: 1_048_576, patchMaxOperations: 1000 };

/** RFC 7643 §5; every flag says what the routes really do. */
export function serviceProviderConfig(baseUrl: string, bulk: boolean) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/roster/roster/blob/main/docs/scim.md',
    patch: { supported: true },
    bulk: { supported: bulk, maxOperations: SCIM_LIMITS.bulkMaxOperations, maxPayloadSize: SCIM_LIMITS.bulkMaxPayloadSize },
    filter: { supported: true, maxResults: SCIM_LIMITS.maxResults },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'API key',
        description: 'A tenant API key with the scim scope, as Authorization: Bearer <key>',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** RFC 7643 §6. Groups are listed only when the Groups resource is served. */
export function resourceTypes(baseUrl: string, groups: boolean) {
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'A Roster user',
    schema: USER_SCHEMA,
    schemaExtensions: [
      { schema: ENTERPRISE_SCHEMA, required: false },
      { schema: USER_EXTENSION_SCHEMA, required: false },
    ],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
  };
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'A Roster group',
    schema: GROUP_SCHEMA,
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
  };
  return groups ? [user, group] : [user];
}

/** RFC 7643 §7: core User, EnterpriseUser, Group and the Roster extension with the tenant's custom attributes. */
export function schemas(baseUrl: string, custom: CustomAttributeSpec[]) {
  return [
    schemaResource(baseUrl, USER_SCHEMA, 'User', 'User Account', USER_ATTRIBUTES),
    schemaResource(baseUrl, ENTERPRISE_SCHEMA, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_ATTRIBUTES),
    schemaResource(baseUrl, GROUP_SCHEMA, 'Group', 'Group', GROUP_ATTRIBUTES),
    schemaResource(
      baseUrl,
      USER_EXTENSION_SCHEMA,
      'RosterUser',
      'Roster fields and the tenant’s custom attributes',
      rosterAttributes(custom),
    ),
  ];
}
