import { Type } from 'typebox';

const rows = (description: string) => Type.Array(Type.Unknown(), { description });

/**
 * The export of everything Roster holds about one user: one key per part of the user data registry
 * (src/use-cases/user-data-registry.ts). Further parts appear as further keys.
 */
export const UserExportSchema = Type.Object(
  {
    exportedAt: Type.String({ format: 'date-time' }),
    user: Type.Ref('User'),
    brands: rows('Brand memberships'),
    companies: rows('Company memberships with role and title'),
    plans: rows('Plan assignments, ended ones included'),
    credential: Type.Union([Type.Object({ kind: Type.String(), hasher: Type.String(), updatedAt: Type.String() }), Type.Null()], {
      description: 'That a password is set and how it is hashed; never the hash',
    }),
    sessions: rows('Sessions, ended ones included, with IP address and user agent; never tokens'),
    identities: rows('Links to upstream identity providers'),
    uniqueAttributeValues: rows('Entries of the unique-attribute index'),
    signinThrottle: rows('Failed sign-in counters of the user’s identifiers'),
    idempotencyRecords: rows('Stored idempotent responses that mention the user (keys and times)'),
    events: rows('Every event about the user, oldest first'),
  },
  { additionalProperties: true },
);
