import { Type } from 'typebox';
import { type EventTypeEntry, Id, NullableStr, Obj, OTHER, Str } from './event-catalogue-parts.ts';

const GroupRef = { groupId: Id, displayName: Str, externalId: NullableStr };

/** Groups and their members (issue 17). Part of EVENT_TYPES (event-types.ts). */
export const GROUP_EVENT_TYPES = {
  'group.created': {
    description: 'A group was created (its first members each get a `group.member_added` in the same transaction).',
    user: 'never',
    changes: 'Every field the create set: `displayName`, and `externalId` and `roles` when given.',
    data: Obj(GroupRef),
    example: {
      data: { groupId: OTHER, displayName: 'Editors', externalId: 'okta-00g1' },
      changes: { displayName: { before: null, after: 'Editors' }, roles: { before: null, after: ['editor'] } },
    },
  },
  'group.updated': {
    description: "A group's display name, external id or roles changed (member changes are `group.member_added` / `group.member_removed`).",
    user: 'never',
    changes: 'Each of `displayName`, `externalId` and `roles` that changed.',
    data: Obj(GroupRef),
    example: {
      data: { groupId: OTHER, displayName: 'Editors', externalId: null },
      changes: { roles: { before: [], after: ['editor'] } },
    },
  },
  'group.deleted': {
    description: 'A group was deleted with its memberships; its members lost the roles it gave them.',
    user: 'never',
    changes: null,
    data: Obj({ ...GroupRef, membersRemoved: Type.Integer() }),
    example: { data: { groupId: OTHER, displayName: 'Editors', externalId: null, membersRemoved: 3 } },
  },
  'group.member_added': {
    description: 'A user became a member of a group (and holds its roles from now on).',
    user: 'always',
    changes: null,
    data: Obj(GroupRef),
    example: { data: { groupId: OTHER, displayName: 'Editors', externalId: null } },
  },
  'group.member_removed': {
    description: 'A user stopped being a member of a group (and no longer holds its roles through it).',
    user: 'always',
    changes: null,
    data: Obj(GroupRef),
    example: { data: { groupId: OTHER, displayName: 'Editors', externalId: null } },
  },
} as const satisfies Record<string, EventTypeEntry>;
