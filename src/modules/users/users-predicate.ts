/**
 * A boolean predicate over a user's own columns, for adapters whose query languages compile to SQL (SCIM filters).
 * Kept neutral: it names fields, not columns, and says nothing of any wire format.
 */

export const PREDICATE_FIELDS = {
  id: { type: 'string', caseExact: true },
  username: { type: 'string', caseExact: false },
  externalId: { type: 'string', caseExact: true },
  email: { type: 'string', caseExact: false },
  phone: { type: 'string', caseExact: false },
  name: { type: 'string', caseExact: false },
  firstName: { type: 'string', caseExact: false },
  lastName: { type: 'string', caseExact: false },
  locale: { type: 'string', caseExact: false },
  timezone: { type: 'string', caseExact: false },
  postalCode: { type: 'string', caseExact: false },
  city: { type: 'string', caseExact: false },
  region: { type: 'string', caseExact: false },
  country: { type: 'string', caseExact: false },
  active: { type: 'boolean', caseExact: true },
  createdAt: { type: 'dateTime', caseExact: true },
  updatedAt: { type: 'dateTime', caseExact: true },
} as const;

export type PredicateField = keyof typeof PREDICATE_FIELDS;

export type PredicateOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** `ne` is `not eq` (a user without the field is `ne` any value); `eq null` is `not present`. */
export type UserPredicate =
  | { kind: 'compare'; field: PredicateField; op: PredicateOp; value: string | boolean | Date | null }
  | { kind: 'present'; field: PredicateField }
  | { kind: 'and' | 'or'; left: UserPredicate; right: UserPredicate }
  | { kind: 'not'; inner: UserPredicate }
  | { kind: 'const'; value: boolean };

export interface PredicateSort {
  field: PredicateField;
  descending: boolean;
}
