import { AppError } from '../../core/errors.ts';
import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';

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

/** The types a custom attribute compares as (a `date` compares as its text, which orders as time). */
export type AttributePredicateType = 'string' | 'number' | 'boolean' | 'date';

/**
 * `ne` is `not eq` (a user without the field is `ne` any value); `eq null` is `not present`.
 * `attribute` / `attributePresent` name a custom attribute: its type is the tenant's definition's, else the `type`
 * the adapter gives (an attribute it maps to before any definition exists); neither → ATTRIBUTE_NOT_DEFINED.
 */
export type UserPredicate =
  | { kind: 'compare'; field: PredicateField; op: PredicateOp; value: string | boolean | Date | null }
  | { kind: 'present'; field: PredicateField }
  | { kind: 'attribute'; name: string; op: PredicateOp; value: string | number | boolean | null; type?: AttributePredicateType }
  | { kind: 'attributePresent'; name: string; type?: AttributePredicateType }
  | { kind: 'and' | 'or'; left: UserPredicate; right: UserPredicate }
  | { kind: 'not'; inner: UserPredicate }
  | { kind: 'const'; value: boolean };

export interface PredicateSort {
  field: PredicateField;
  descending: boolean;
}

const PREDICATE_TYPES: readonly string[] = ['string', 'number', 'boolean', 'date'];

function attributeError(code: 'ATTRIBUTE_NOT_DEFINED' | 'ATTRIBUTE_TYPE_MISMATCH', name: string, message: string): AppError {
  return new AppError(code, `attributes.${name} ${message}`, { name }, [{ field: `attributes.${name}`, code, message }]);
}

/** Whether a comparison fits the attribute's type (value and operator). */
function fits(type: AttributePredicateType, op: PredicateOp, value: unknown): boolean {
  if (value === null) return op === 'eq' || op === 'ne';
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' && (op === 'eq' || op === 'ne');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && !['co', 'sw', 'ew'].includes(op);
    default:
      return typeof value === 'string';
  }
}

/**
 * The predicate with every custom attribute typed by the tenant's definitions (a definition's type wins over the
 * adapter's hint). Pure.
 * @throws AppError ATTRIBUTE_NOT_DEFINED (no definition and no hint, or a `json` attribute compared),
 *   ATTRIBUTE_TYPE_MISMATCH (a value or an operator the type has not, e.g. `co` on a number)
 */
export function typeAttributePredicates(p: UserPredicate, definitions: Map<string, AttributeDefinitionRow>): UserPredicate {
  switch (p.kind) {
    case 'and':
    case 'or':
      return { ...p, left: typeAttributePredicates(p.left, definitions), right: typeAttributePredicates(p.right, definitions) };
    case 'not':
      return { ...p, inner: typeAttributePredicates(p.inner, definitions) };
    case 'attribute':
    case 'attributePresent': {
      const defined = definitions.get(p.name)?.type;
      if (defined === 'json' && p.kind === 'attributePresent') return { ...p, type: 'string' };
      const type = (defined ?? p.type) as AttributePredicateType | undefined;
      if (!type || !PREDICATE_TYPES.includes(type)) {
        throw attributeError(
          'ATTRIBUTE_NOT_DEFINED',
          p.name,
          defined ? `is a ${defined} attribute, which filters cannot compare` : 'is not a defined attribute',
        );
      }
      if (p.kind === 'attribute' && !fits(type, p.op, p.value)) {
        throw attributeError(
          'ATTRIBUTE_TYPE_MISMATCH',
          p.name,
          `is a ${type} attribute: ${p.op} ${JSON.stringify(p.value)} does not apply`,
        );
      }
      return { ...p, type };
    }
    default:
      return p;
  }
}

/** Whether the predicate names a custom attribute (else no definitions need reading). */
export function namesAttributes(p: UserPredicate): boolean {
  if (p.kind === 'attribute' || p.kind === 'attributePresent') return true;
  if (p.kind === 'and' || p.kind === 'or') return namesAttributes(p.left) || namesAttributes(p.right);
  return p.kind === 'not' && namesAttributes(p.inner);
}
