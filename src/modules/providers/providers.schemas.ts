import { Type } from 'typebox';
import { Dictionary, KeyedObject, LiteralUnion } from '../../core/schemas.ts';
import { HTTP_POINTER_FIELDS } from './connectors/http-json.connector.ts';
import { MERGE_FIELDS, PROVIDER_TYPES } from './providers.ts';

const Source = Type.Union([Type.Literal('provider'), Type.Literal('local')]);
const ProviderType = LiteralUnion(PROVIDER_TYPES);
const Url = Type.String({ minLength: 1, maxLength: 2048 });

const FieldMapping = KeyedObject(MERGE_FIELDS, Source, {
  optional: true,
  additionalProperties: false,
  description: 'Per field, whose value wins when both have one (the other fills a gap). Default: provider',
});

/** Type-specific settings of a provider. */
export const Settings = Type.Object(
  {
    audience: Type.Optional(Url),
    resultPointer: Type.Optional(Type.String({ maxLength: 512, description: 'http: RFC 6901 pointer to the user in the answer' })),
    userByIdUrl: Type.Optional(Type.String({ maxLength: 2048, description: 'http: URL template with {id}' })),
    pointers: Type.Optional(
      KeyedObject(HTTP_POINTER_FIELDS, Type.String({ maxLength: 512 }), {
        optional: true,
        additionalProperties: false,
        description: 'http: RFC 6901 pointers from the user object to each field; subject is required',
      }),
    ),
  },
  { additionalProperties: false, description: 'Type-specific settings, stored in clear' },
);

/** A provider's secrets, write-only. */
export const Credentials = Type.Object(
  {
    clientId: Type.Optional(Type.String({ maxLength: 512 })),
    clientSecret: Type.Optional(Type.String({ maxLength: 2048 })),
    token: Type.Optional(Type.String({ maxLength: 8192 })),
    headers: Type.Optional(Dictionary(Type.String({ maxLength: 8192 }), { maxProperties: 20 })),
  },
  {
    additionalProperties: false,
    description: 'auth0: clientId + clientSecret; scim: token; http: headers. Stored encrypted, never returned',
  },
);

const fields = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  type: ProviderType,
  brand: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'A brand slug: this brand’s provider' })),
  endpoint: Type.String({
    minLength: 1,
    maxLength: 2048,
    description: 'auth0: https://{domain}; scim: base URL; http: URL template with {email}',
  }),
  credentials: Credentials,
  settings: Type.Optional(Settings),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000, default: undefined, description: 'Default 2000' })),
  cacheTtlSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'Default 0 (no caching)' })),
  fieldMapping: Type.Optional(FieldMapping),
  jitProvisioning: Type.Optional(Type.Boolean({ description: 'Create a local user for one found only at the provider' })),
};

export const ProviderCreateSchema = Type.Object(fields, { additionalProperties: false });

export const ProviderUpdateSchema = Type.Object(
  {
    ...fields,
    name: Type.Optional(fields.name),
    type: Type.Optional(fields.type),
    endpoint: Type.Optional(fields.endpoint),
    credentials: Type.Optional(fields.credentials),
  },
  { additionalProperties: false },
);

export const ProviderSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  name: Type.String(),
  brand: Type.Union([Type.String(), Type.Null()]),
  type: ProviderType,
  endpoint: Type.String(),
  settings: Settings,
  timeoutMs: Type.Integer(),
  cacheTtlSeconds: Type.Integer(),
  fieldMapping: KeyedObject(MERGE_FIELDS, Source),
  jitProvisioning: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ProviderParams = Type.Object({ id: Type.String({ maxLength: 64 }), providerId: Type.String({ maxLength: 64 }) });

const NullableString = Type.Union([Type.String(), Type.Null()]);

const MergedSchema = Type.Object({
  id: NullableString,
  email: NullableString,
  firstName: NullableString,
  lastName: NullableString,
  name: NullableString,
  phone: NullableString,
  picture: NullableString,
  status: NullableString,
  emailVerified: Type.Union([Type.Boolean(), Type.Null()]),
  metadata: Dictionary(Type.Unknown()),
});

/** GET /v1/users/lookup?withProvider=true */
export const MergedLookupSchema = Type.Object({
  user: Type.Union([Type.Ref('User'), Type.Null()]),
  merged: Type.Union([MergedSchema, Type.Null()]),
  sources: Dictionary(Source),
  identities: Type.Array(Type.Object({ provider: Type.String(), type: Type.String(), subject: Type.String(), linkedAt: Type.String() })),
  providerStatus: LiteralUnion(['ok', 'unavailable', 'not_configured', 'not_found', 'skipped']),
  provider: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() }), Type.Null()]),
  providerUser: Type.Union([
    Type.Object({
      subject: Type.String(),
      email: NullableString,
      emailVerified: Type.Union([Type.Boolean(), Type.Null()]),
      firstName: NullableString,
      lastName: NullableString,
      name: NullableString,
      phone: NullableString,
      picture: NullableString,
      status: NullableString,
      metadata: Dictionary(Type.Unknown()),
    }),
    Type.Null(),
  ]),
  provisioned: Type.Boolean(),
});
