import { Type } from 'typebox';
import { type EventTypeEntry, Id, NullableStr, Obj, OTHER, Str, Timestamp, USER } from './event-catalogue-parts.ts';

/** The directory: companies, plans, roles and attribute definitions. Part of EVENT_TYPES (event-types.ts). */
export const DIRECTORY_EVENT_TYPES = {
  'company.created': {
    description: 'A company was created (directly, or on joining a company that did not exist yet).',
    user: 'never',
    changes: 'Every field the create set.',
    data: Obj({ companyId: Id }),
    example: { data: { companyId: OTHER }, changes: { name: { before: null, after: 'Acme' } } },
  },
  'company.updated': {
    description: "A company's fields changed.",
    user: 'never',
    changes: 'Each field that changed.',
    data: Obj({ companyId: Id }),
    example: { data: { companyId: OTHER }, changes: { name: { before: 'Acme', after: 'Acme Inc.' } } },
  },
  'company.deleted': {
    description: 'A company was deleted with its memberships.',
    user: 'never',
    changes: null,
    data: Obj({ companyId: Id, externalId: NullableStr, name: Str, membersRemoved: Type.Integer() }),
    example: { data: { companyId: OTHER, externalId: 'acme', name: 'Acme', membersRemoved: 2 } },
  },
  'company.member_added': {
    description: 'A user became a member of a company.',
    user: 'always',
    changes: '`role` and `title`, before null.',
    data: Obj({ companyId: Id, externalId: NullableStr }),
    example: {
      data: { companyId: OTHER, externalId: 'acme' },
      changes: { role: { before: null, after: 'admin' }, title: { before: null, after: null } },
    },
  },
  'company.member_updated': {
    description: "A user's role or title in a company changed.",
    user: 'always',
    changes: 'Each of `role` and `title` that changed.',
    data: Obj({ companyId: Id, externalId: NullableStr }),
    example: { data: { companyId: OTHER, externalId: 'acme' }, changes: { title: { before: null, after: 'CTO' } } },
  },
  'company.member_removed': {
    description: 'A user left a company.',
    user: 'always',
    changes: '`role` and `title`, after null.',
    data: Obj({ companyId: Id, externalId: NullableStr }),
    example: {
      data: { companyId: OTHER, externalId: 'acme' },
      changes: { role: { before: 'admin', after: null }, title: { before: null, after: null } },
    },
  },
  'plan.created': {
    description: 'A plan was defined.',
    user: 'never',
    changes: 'Every field the create set.',
    data: Obj({ planId: Id, number: Type.Integer() }),
    example: { data: { planId: OTHER, number: 1 }, changes: { name: { before: null, after: 'Gold' } } },
  },
  'plan.updated': {
    description: "A plan's fields changed.",
    user: 'never',
    changes: 'Each field that changed.',
    data: Obj({ planId: Id, number: Type.Integer() }),
    example: { data: { planId: OTHER, number: 1 }, changes: { name: { before: 'Gold', after: 'Gold+' } } },
  },
  'plan.assigned': {
    description: 'A user was given a plan from `validFrom` until `validTo` (null: open-ended).',
    user: 'always',
    changes: null,
    data: Obj({
      assignmentId: Id,
      planId: Id,
      planNumber: Type.Integer(),
      validFrom: Timestamp,
      validTo: Type.Union([Timestamp, Type.Null()]),
    }),
    example: { data: { assignmentId: USER, planId: OTHER, planNumber: 1, validFrom: '2026-01-01T00:00:00.000Z', validTo: null } },
  },
  'plan.ended': {
    description: "A user's plan assignment was ended before its end date.",
    user: 'always',
    changes: null,
    data: Obj({ assignmentId: Id, planId: Id, endedAt: Timestamp }),
    example: { data: { assignmentId: USER, planId: OTHER, endedAt: '2026-02-01T00:00:00.000Z' } },
  },
  'role.defined': {
    description: 'A custom role was defined for the tenant.',
    user: 'never',
    changes: null,
    data: Obj({ name: Str, description: NullableStr }),
    example: { data: { name: 'editor', description: 'Edits articles' } },
  },
  'role.deleted': {
    description: 'A custom role was deleted; each user who held it gets a `user.roles_changed`.',
    user: 'never',
    changes: null,
    data: Obj({ name: Str, usersChanged: Type.Integer() }),
    example: { data: { name: 'editor', usersChanged: 4 } },
  },
  'attribute.defined': {
    description: 'A custom attribute was defined for the tenant.',
    user: 'never',
    changes: null,
    data: Obj({ name: Str, type: Str, searchable: Type.Boolean(), unique: Type.Boolean() }),
    example: { data: { name: 'plan', type: 'string', searchable: true, unique: false } },
  },
} as const satisfies Record<string, EventTypeEntry>;
