import { Type } from 'typebox';
import { PaginationQuery } from '../../core/schemas.ts';

const NullableString = (options: Record<string, unknown> = {}) => Type.Union([Type.String(options), Type.Null()]);

/** Most members one native call may name (per list); the service itself takes any number. */
export const MAX_MEMBERS_PER_CALL = 10_000;

const MemberIds = (description: string) => Type.Array(Type.String({ maxLength: 64 }), { maxItems: MAX_MEMBERS_PER_CALL, description });

const groupFields = {
  externalId: Type.Optional(
    NullableString({ maxLength: 256, description: 'The caller’s own id for the group (an IdP’s), unique per tenant' }),
  ),
  roles: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }), Type.Null()], {
      description: 'Roles every member holds while a member (built-in or defined under /v1/roles)',
    }),
  ),
};

export const GroupCreateSchema = Type.Object(
  {
    displayName: Type.String({ minLength: 1, maxLength: 256, description: 'Unique per tenant, compared case-insensitively' }),
    ...groupFields,
    members: Type.Optional(MemberIds('User ids of the first members')),
  },
  { additionalProperties: false },
);

export const GroupPatchSchema = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    ...groupFields,
    members: Type.Optional(MemberIds('Replaces the whole member list with these user ids')),
    addMembers: Type.Optional(MemberIds('User ids to add (members already are left alone)')),
    removeMembers: Type.Optional(MemberIds('User ids to remove (non-members are ignored)')),
  },
  { additionalProperties: false },
);

export const GroupSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    displayName: Type.String(),
    externalId: NullableString(),
    roles: Type.Array(Type.String()),
    memberCount: Type.Integer({ description: 'Exact number of members' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    version: Type.Integer({ description: 'Moves on with every change of the group, its members included (the ETag)' }),
  },
  { $id: 'Group' },
);

export const GroupParams = Type.Object({ groupId: Type.String({ minLength: 1, maxLength: 64 }) });

export const GroupMemberParams = Type.Object({
  groupId: Type.String({ minLength: 1, maxLength: 64 }),
  userId: Type.String({ minLength: 1, maxLength: 64 }),
});

export const GroupListQuery = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 256, description: 'Exact display name, compared case-insensitively' })),
    externalId: Type.Optional(Type.String({ maxLength: 256 })),
    member: Type.Optional(Type.String({ maxLength: 64, description: 'Groups this user id belongs to' })),
    q: Type.Optional(Type.String({ maxLength: 256, description: 'Display name or external id contains this' })),
    count: Type.Optional(Type.Boolean({ description: 'Add `total`, the exact number of matching groups' })),
    ...PaginationQuery,
  },
  { additionalProperties: false },
);

export const GroupPageSchema = Type.Object({
  data: Type.Array(Type.Ref('Group')),
  nextCursor: NullableString(),
  total: Type.Optional(Type.Integer()),
});

export const GroupMemberSchema = Type.Object({ userId: Type.String(), user: Type.Ref('User'), joinedAt: Type.String() });

export const GroupMemberPageSchema = Type.Object({ data: Type.Array(GroupMemberSchema), nextCursor: NullableString() });

export const GroupMembershipResultSchema = Type.Object({
  created: Type.Boolean({ description: 'A new membership (false: the user already was a member)' }),
  groupId: Type.String(),
  userId: Type.String(),
  joinedAt: Type.String(),
});

export const UserGroupSchema = Type.Object({ group: Type.Ref('Group'), joinedAt: Type.String() });
