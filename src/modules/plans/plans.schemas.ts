import { Type } from 'typebox';
import { PaginationQuery } from '../../core/schemas.ts';

const NullableString = (options: Record<string, unknown> = {}) => Type.Union([Type.String(options), Type.Null()]);

const planFields = {
  externalId: Type.Optional(NullableString({ maxLength: 256, description: 'The caller’s own id for the plan, unique per tenant' })),
  defaultDuration: Type.Optional(
    NullableString({ maxLength: 32, description: 'ISO 8601 date duration (P1M, P30D, P1Y) an assignment lasts when it names no validTo' }),
  ),
};

export const PlanCreateSchema = Type.Object(
  { ...planFields, name: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export const PlanPatchSchema = Type.Object(
  { ...planFields, name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);

export const PlanSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.Integer({ description: 'Per-tenant sequential number (for dialects that address plans by integer)' }),
    externalId: NullableString(),
    name: Type.String(),
    defaultDuration: NullableString(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    version: Type.Integer(),
  },
  { $id: 'Plan' },
);

export const PlanParams = Type.Object({
  planId: Type.String({ minLength: 1, maxLength: 256, description: 'The plan’s id, external id or number' }),
});

export const PlanListQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 256 })), ...PaginationQuery },
  { additionalProperties: false },
);
export const PlanPageSchema = Type.Object({ data: Type.Array(Type.Ref('Plan')), nextCursor: NullableString() });

export const AssignPlanSchema = Type.Object(
  {
    plan: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Integer({ minimum: 1 })], {
      description: 'The plan’s id, external id or number (a JSON number is always a number)',
    }),
    validFrom: Type.Optional(
      Type.String({ maxLength: 64, description: 'RFC 3339 date-time or YYYY-MM-DD (start of that day, UTC); default now' }),
    ),
    validTo: Type.Optional(
      NullableString({
        maxLength: 64,
        description:
          'RFC 3339 date-time or YYYY-MM-DD (end of that day, UTC); default validFrom + the plan’s defaultDuration; null: open-ended',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AssignmentSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String(),
  plan: Type.Ref('Plan'),
  validFrom: Type.String(),
  validTo: NullableString(),
  endedAt: NullableString(),
  active: Type.Boolean({ description: 'validFrom ≤ now < validTo (or no validTo), and not ended' }),
  createdAt: Type.String(),
});

export const AssignmentParams = Type.Object({ id: Type.String({ maxLength: 64 }), assignmentId: Type.String({ maxLength: 64 }) });
