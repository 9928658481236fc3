import type { Static } from 'typebox';
import { isCalendarDate } from '../../core/calendar-date.ts';
import type { FieldError } from '../../core/errors.ts';
import type { DefinitionSchema } from './attributes.schemas.ts';
import type { AttributeDefinitionRow } from './attributes.table.ts';

export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'json'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** An attribute definition as the API returns it. */
export type AttributeDefinitionView = Static<typeof DefinitionSchema>;

export function toDefinitionView(row: AttributeDefinitionRow): AttributeDefinitionView {
  return {
    name: row.name,
    type: row.type as AttributeType,
    searchable: row.searchable,
    unique: row.is_unique,
    description: row.description,
    createdAt: row.created_at.toISOString(),
  };
}

/** Whether a value fits an attribute type; dates are YYYY-MM-DD or RFC 3339 timestamps. */
export function valueMatchesType(type: AttributeType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.length <= 4096;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return (
        typeof value === 'string' && (isCalendarDate(value) || (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))))
      );
    case 'json':
      return true;
  }
}

/** Parses a query-string value for a searchable attribute filter; undefined when it does not fit. */
export function parseFilterValue(type: AttributeType, raw: string): unknown {
  switch (type) {
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        return undefined;
      }
    default:
      return raw;
  }
}

/** Key under which a unique attribute value is indexed. */
export function uniqueValueKey(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Checks a set of attribute values against the tenant's definitions.
 * Returns the field errors (empty when all fit).
 */
export function checkAttributeValues(
  values: Record<string, unknown>,
  definitions: Map<string, AttributeDefinitionRow>,
  allowFreeform: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    const field = `attributes.${name}`;
    const def = definitions.get(name);
    if (!ATTRIBUTE_NAME.test(name)) {
      errors.push({ field, code: 'invalid_name', message: 'attribute names are letters, digits and underscores' });
    } else if (!def) {
      // null only removes a value: allowed even when freeform attributes no longer are.
      if (!allowFreeform && value !== null) errors.push({ field, code: 'ATTRIBUTE_NOT_DEFINED', message: 'is not a defined attribute' });
    } else if (value !== null && !valueMatchesType(def.type as AttributeType, value)) {
      errors.push({ field, code: 'ATTRIBUTE_TYPE_MISMATCH', message: `must be a ${def.type}` });
    }
  }
  return errors;
}
