import { Type } from 'typebox';
import { Dictionary, PaginationQuery } from '../../core/schemas.ts';

const NullableString = (options: Record<string, unknown> = {}) => Type.Union([Type.String(options), Type.Null()]);
const Attributes = Dictionary(Type.Unknown(), { maxProperties: 200 });

const companyFields = {
  externalId: Type.Optional(NullableString({ maxLength: 256, description: 'The caller’s own id for the company, unique per tenant' })),
  domain: Type.Optional(NullableString({ maxLength: 253, description: 'e.g. example.com' })),
  attributes: Type.Optional(Type.Union([Attributes, Type.Null()], { description: 'Free-form values; a patch merges them key by key' })),
};

export const CompanyCreateSchema = Type.Object(
  { ...companyFields, name: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const CompanyPatchSchema = Type.Object(
  { ...companyFields, name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);

export const CompanySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    externalId: NullableString(),
    name: Type.String(),
    domain: NullableString(),
    attributes: Dictionary(Type.Unknown()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    version: Type.Integer(),
  },
  { $id: 'Company' },
);

export const CompanyParams = Type.Object({
  companyId: Type.String({ minLength: 1, maxLength: 256, description: 'The company’s id or external id' }),
});

export const MembershipParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  companyId: Type.String({ minLength: 1, maxLength: 256, description: 'The company’s id or external id' }),
});

export const CompanyListQuery = Type.Object(
  { domain: Type.Optional(Type.String({ maxLength: 253 })), q: Type.Optional(Type.String({ maxLength: 256 })), ...PaginationQuery },
  { additionalProperties: false },
);

export const CompanyPageSchema = Type.Object({ data: Type.Array(Type.Ref('Company')), nextCursor: NullableString() });

export const MembershipInputSchema = Type.Object(
  {
    role: Type.Optional(NullableString({ maxLength: 64, description: 'The member’s role in the company (e.g. employee, owner)' })),
    title: Type.Optional(NullableString({ maxLength: 256, description: 'Job title' })),
    createCompany: Type.Optional(
      Type.Boolean({ description: 'Create the company, with the path reference as its external id, when there is none' }),
    ),
    company: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          domain: companyFields.domain,
          attributes: companyFields.attributes,
        },
        { additionalProperties: false, description: 'Used only when this call creates the company' },
      ),
    ),
  },
  { additionalProperties: false },
);

const membershipFields = {
  role: NullableString(),
  title: NullableString(),
  joinedAt: Type.String(),
  updatedAt: Type.String(),
};

export const MembershipSchema = Type.Object({ userId: Type.String(), company: Type.Ref('Company'), ...membershipFields });

export const MembershipResultSchema = Type.Object({
  created: Type.Boolean({ description: 'A new membership' }),
  companyCreated: Type.Boolean({ description: 'This call created the company' }),
  membership: MembershipSchema,
});

export const MemberPageSchema = Type.Object({
  data: Type.Array(Type.Object({ userId: Type.String(), user: Type.Ref('User'), ...membershipFields })),
  nextCursor: NullableString(),
});
