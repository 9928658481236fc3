/** Custom-attribute predicates are typed by the tenant's definitions before they compile to SQL. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.ts';
import type { AttributeDefinitionRow } from '../../../src/modules/attributes/attributes.table.ts';
import { namesAttributes, typeAttributePredicates, type UserPredicate } from '../../../src/modules/users/users-predicate.ts';

function def(name: string, type: string): [string, AttributeDefinitionRow] {
  return [name, { tenant_id: 't', name, type, searchable: false, is_unique: false, description: null, created_at: new Date(0) }];
}

const definitions = new Map([def('seats', 'number'), def('tier', 'string'), def('vip', 'boolean'), def('blob', 'json')]);

function codeOf(p: UserPredicate): string | null {
  try {
    typeAttributePredicates(p, definitions);
    return null;
  } catch (error) {
    return error instanceof AppError ? error.code : 'other';
  }
}

describe('typeAttributePredicates', () => {
  it('types attributes from their definitions, inside and/or/not, and the definition wins over the hint', () => {
    const p: UserPredicate = {
      kind: 'and',
      left: { kind: 'attribute', name: 'seats', op: 'gt', value: 3, type: 'string' },
      right: { kind: 'not', inner: { kind: 'attributePresent', name: 'department', type: 'string' } },
    };
    expect(typeAttributePredicates(p, definitions)).toEqual({
      kind: 'and',
      left: { kind: 'attribute', name: 'seats', op: 'gt', value: 3, type: 'number' },
      right: { kind: 'not', inner: { kind: 'attributePresent', name: 'department', type: 'string' } },
    });
    expect(namesAttributes(p)).toBe(true);
    expect(namesAttributes({ kind: 'compare', field: 'username', op: 'eq', value: 'x' })).toBe(false);
  });

  it('refuses an undefined attribute, a json one compared, and comparisons the type has not', () => {
    expect(codeOf({ kind: 'attribute', name: 'nothere', op: 'eq', value: 'x' })).toBe('ATTRIBUTE_NOT_DEFINED');
    expect(codeOf({ kind: 'attribute', name: 'blob', op: 'eq', value: 'x' })).toBe('ATTRIBUTE_NOT_DEFINED');
    expect(codeOf({ kind: 'attributePresent', name: 'blob' })).toBeNull();
    expect(codeOf({ kind: 'attribute', name: 'seats', op: 'co', value: 1 })).toBe('ATTRIBUTE_TYPE_MISMATCH');
    expect(codeOf({ kind: 'attribute', name: 'seats', op: 'eq', value: '1' })).toBe('ATTRIBUTE_TYPE_MISMATCH');
    expect(codeOf({ kind: 'attribute', name: 'vip', op: 'gt', value: true })).toBe('ATTRIBUTE_TYPE_MISMATCH');
    expect(codeOf({ kind: 'attribute', name: 'tier', op: 'eq', value: 5 })).toBe('ATTRIBUTE_TYPE_MISMATCH');
    expect(codeOf({ kind: 'attribute', name: 'tier', op: 'gt', value: null })).toBe('ATTRIBUTE_TYPE_MISMATCH');
    expect(codeOf({ kind: 'attribute', name: 'tier', op: 'ne', value: null })).toBeNull();
    expect(codeOf({ kind: 'attribute', name: 'seats', op: 'le', value: 10 })).toBeNull();
  });
});
