import { Type } from 'typebox';
import { MembershipInputSchema } from '../companies/companies.schemas.ts';
import { AssignPlanSchema } from '../plans/plans.schemas.ts';
import { UserWriteSchema } from '../users/users.schemas.ts';
import { USER_STATUSES } from '../users/users.ts';
import { IMPORT_FORMATS } from './import-parse.ts';

/**
 * One import row: the native user body of POST /v1/users (the same schema, so the same validation) plus the parts
 * of a user change a row may carry: brands to join, company memberships (by id or external id), plans, a status.
 */
export const ImportRowSchema = Type.Object(
  {
    ...UserWriteSchema.properties,
    brands: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    companies: Type.Optional(
      Type.Array(
        Type.Object(
          { ...MembershipInputSchema.properties, ref: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        {
          maxItems: 64,
        },
      ),
    ),
    plans: Type.Optional(Type.Array(AssignPlanSchema, { maxItems: 64 })),
    status: Type.Optional(Type.Union(USER_STATUSES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);

const Count = Type.Integer();
const NullableStr = Type.Union([Type.String(), Type.Null()]);

export const ImportJobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.Union(['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  format: Type.String(),
  options: Type.Object({
    match: Type.String(),
    mode: Type.String(),
    dryRun: Type.Boolean(),
    onError: Type.String(),
    delimiter: Type.Optional(Type.String()),
    columns: Type.Optional(Type.Record(Type.String(), Type.String())),
  }),
  bytes: Count,
  rowsRead: Count,
  created: Count,
  updated: Count,
  unchanged: Count,
  failed: Count,
  error: NullableStr,
  createdAt: Type.String(),
  startedAt: NullableStr,
  finishedAt: NullableStr,
  rate: Type.Union([Type.Number({ description: 'Rows per second while it ran' }), Type.Null()]),
});

export const ImportJobPageSchema = Type.Object({ data: Type.Array(ImportJobSchema), nextCursor: NullableStr });

export const ImportErrorSchema = Type.Object({
  row: Count,
  field: NullableStr,
  code: Type.String(),
  message: Type.String(),
  identifiers: Type.Record(Type.String(), Type.String(), {
    description: 'The row’s email, phone, externalId and username as sent (never a password or hash)',
  }),
});

export const ImportErrorPageSchema = Type.Object({ data: Type.Array(ImportErrorSchema), nextCursor: NullableStr });

export const ImportQuerySchema = Type.Object(
  {
    format: Type.Optional(
      Type.Union(
        IMPORT_FORMATS.map((f) => Type.Literal(f)),
        { description: 'Default: from the Content-Type' },
      ),
    ),
    match: Type.Optional(
      Type.Union(
        ['externalId', 'email', 'phone', 'username'].map((m) => Type.Literal(m)),
        { description: 'The identifier that finds an existing user (username: case-insensitively). Default email (externalId for auth0)' },
      ),
    ),
    mode: Type.Optional(Type.Union(['upsert', 'create', 'update'].map((m) => Type.Literal(m)))),
    dryRun: Type.Optional(Type.Boolean()),
    onError: Type.Optional(Type.Union(['skip', 'abort'].map((m) => Type.Literal(m)))),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'CSV field delimiter (default ,)' })),
    columns: Type.Optional(
      Type.String({ maxLength: 4096, description: 'header=field pairs, comma-separated: E-Mail=email,Tier=attributes.tier' }),
    ),
  },
  { additionalProperties: false },
);

export const ImportIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const PageQuerySchema = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
