import type { PredicateField, PredicateSort, UserPredicate } from '../modules/users/users-predicate.ts';
import { ScimError } from './protocol/errors.ts';
import type { AttrPath, Filter } from './protocol/filter-ast.ts';
import { pathText } from './protocol/filter-ast.ts';
import { ENTERPRISE_FIELDS, ENTERPRISE_SCHEMA, USER_EXTENSION_SCHEMA, USER_SCHEMA } from './scim-schemas.ts';

/** SCIM User filter AST → the users' column predicate; every attribute maps to a column or the filter is refused. */

/** Constant sub-attributes of the one stored element of emails/phoneNumbers/addresses (as toScimUser renders it). */
const ELEMENT: Record<string, { present: PredicateField; fields: Record<string, PredicateField>; constants: Record<string, unknown> }> = {
  emails: { present: 'email', fields: { value: 'email' }, constants: { type: 'work', primary: true } },
  phonenumbers: { present: 'phone', fields: { value: 'phone' }, constants: { type: 'mobile', primary: true } },
  addresses: {
    present: 'city',
    fields: { locality: 'city', region: 'region', postalcode: 'postalCode', country: 'country' },
    constants: { type: 'home', primary: true },
  },
};

const TOP: Record<string, PredicateField> = {
  id: 'id',
  username: 'username',
  externalid: 'externalId',
  displayname: 'name',
  'name.formatted': 'name',
  'name.givenname': 'firstName',
  'name.familyname': 'lastName',
  locale: 'locale',
  timezone: 'timezone',
  active: 'active',
  'meta.created': 'createdAt',
  'meta.lastmodified': 'updatedAt',
};

function unknown(path: AttrPath): ScimError {
  return new ScimError(400, 'invalidFilter', `unknown or unfilterable attribute ${pathText(path)}`);
}

function key(path: AttrPath): string {
  if (path.uri && path.uri.toLowerCase() !== USER_SCHEMA.toLowerCase()) throw unknown(path);
  return (path.sub ? `${path.attr}.${path.sub}` : path.attr).toLowerCase();
}

/**
 * The custom attribute an extension path names: an EnterpriseUser attribute (a string, whether or not its definition
 * exists yet) or the Roster extension's `attributes.<name>` (typed by its definition in the core); null otherwise.
 */
function customAttribute(path: AttrPath): { name: string; type?: 'string' } | null {
  const uri = path.uri?.toLowerCase();
  if (uri === ENTERPRISE_SCHEMA.toLowerCase()) {
    const name = ENTERPRISE_FIELDS[path.attr.toLowerCase()];
    const sub = path.sub?.toLowerCase() ?? null;
    if (!name || (sub !== null && !(name === 'manager' && sub === 'value'))) throw unknown(path);
    return { name, type: 'string' };
  }
  if (uri === USER_EXTENSION_SCHEMA.toLowerCase()) {
    if (path.attr.toLowerCase() === 'attributes' && path.sub) return { name: path.sub };
    throw unknown(path);
  }
  return null;
}

function customLeaf(f: Extract<Filter, { kind: 'compare' | 'present' }>, custom: { name: string; type?: 'string' }): UserPredicate {
  if (f.kind === 'present') return { kind: 'attributePresent', ...custom };
  return { kind: 'attribute', ...custom, op: f.op, value: f.value };
}

function leaf(f: Extract<Filter, { kind: 'compare' | 'present' }>, field: PredicateField): UserPredicate {
  if (f.kind === 'present') return { kind: 'present', field };
  let value: string | boolean | Date | null = f.value as string | boolean | null;
  if (typeof f.value === 'number') throw new ScimError(400, 'invalidFilter', `${pathText(f.path)} is not a number`);
  if (field === 'active') {
    if (typeof f.value !== 'boolean' && f.value !== null) throw new ScimError(400, 'invalidFilter', 'active compares with true or false');
    if (f.op !== 'eq' && f.op !== 'ne') throw new ScimError(400, 'invalidFilter', `${f.op} does not apply to booleans`);
  } else if (typeof f.value === 'boolean') throw new ScimError(400, 'invalidFilter', `${pathText(f.path)} is not a boolean`);
  if ((field === 'createdAt' || field === 'updatedAt') && typeof f.value === 'string') {
    const time = Date.parse(f.value);
    if (Number.isNaN(time)) throw new ScimError(400, 'invalidFilter', `${pathText(f.path)} compares with a date-time`);
    value = new Date(time);
  }
  return { kind: 'compare', field, op: f.op, value };
}

/** A comparison against a constant sub-attribute, decided now (the element exists when `present` holds). */
function constant(f: Extract<Filter, { kind: 'compare' | 'present' }>, actual: unknown, present: PredicateField): UserPredicate {
  const exists: UserPredicate = { kind: 'present', field: present };
  if (f.kind === 'present') return exists;
  const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
  const e = typeof f.value === 'string' ? f.value.toLowerCase() : f.value;
  let hit: boolean;
  if (f.op === 'eq') hit = a === e;
  else if (f.op === 'ne') hit = a !== e;
  else if (typeof a === 'string' && typeof e === 'string')
    hit = f.op === 'co' ? a.includes(e) : f.op === 'sw' ? a.startsWith(e) : f.op === 'ew' ? a.endsWith(e) : false;
  else hit = false;
  return hit ? exists : { kind: 'const', value: false };
}

function element(f: Filter, attr: string, path: AttrPath): UserPredicate {
  const spec = ELEMENT[attr] as (typeof ELEMENT)[string];
  switch (f.kind) {
    case 'and':
    case 'or':
      return { kind: f.kind, left: element(f.left, attr, path), right: element(f.right, attr, path) };
    case 'not':
      return { kind: 'and', left: { kind: 'present', field: spec.present }, right: { kind: 'not', inner: element(f.filter, attr, path) } };
    case 'valuePath':
      throw new ScimError(400, 'invalidFilter', 'value filters do not nest');
    default: {
      if (f.path.sub || f.path.uri) throw unknown(f.path);
      const sub = f.path.attr.toLowerCase();
      const field = spec.fields[sub];
      if (field) return { kind: 'and', left: { kind: 'present', field: spec.present }, right: leaf(f, field) };
      if (sub in spec.constants) return constant(f, spec.constants[sub], spec.present);
      throw unknown({ ...path, sub: f.path.attr });
    }
  }
}

/**
 * Translates a parsed filter over Users into a column predicate.
 * Extension attributes become custom-attribute predicates, which the core types by the tenant's definitions (an
 * undefined one → ATTRIBUTE_NOT_DEFINED there, which the route answers as invalidFilter).
 * @throws ScimError 400 invalidFilter for an attribute that is unknown or not stored in a column, or a wrong value type.
 */
export function toUserPredicate(f: Filter): UserPredicate {
  switch (f.kind) {
    case 'and':
    case 'or':
      return { kind: f.kind, left: toUserPredicate(f.left), right: toUserPredicate(f.right) };
    case 'not':
      return { kind: 'not', inner: toUserPredicate(f.filter) };
    case 'valuePath': {
      const attr = key(f.path);
      if (!ELEMENT[attr]) throw unknown(f.path);
      return element(f.filter, attr, f.path);
    }
    default: {
      const custom = customAttribute(f.path);
      if (custom) return customLeaf(f, custom);
      const k = key(f.path);
      const field = TOP[k];
      if (field) return leaf(f, field);
      const [top, sub] = k.split('.') as [string, string | undefined];
      if (ELEMENT[top]) {
        // Over a multi-valued attribute `ne` and `null` mean: no value is equal (as the reference evaluator has it).
        if (f.kind === 'compare' && f.op === 'ne') return { kind: 'not', inner: toUserPredicate({ ...f, op: 'eq' }) };
        if (f.kind === 'compare' && f.value === null) return { kind: 'not', inner: toUserPredicate({ kind: 'present', path: f.path }) };
        // `emails eq "x"` means `emails.value eq "x"`.
        const inner = { ...f, path: { uri: null, attr: sub ?? (top === 'addresses' ? 'locality' : 'value'), sub: null } };
        return element(inner, top, f.path);
      }
      throw unknown(f.path);
    }
  }
}

/**
 * The sort of a sortBy attribute.
 * @throws ScimError 400 invalidValue for an attribute Roster cannot sort by.
 */
export function toUserSort(sortBy: string | undefined, order: 'ascending' | 'descending'): PredicateSort | null {
  if (!sortBy) return null;
  let k = sortBy.toLowerCase();
  if (k.startsWith(`${USER_SCHEMA.toLowerCase()}:`)) k = k.slice(USER_SCHEMA.length + 1);
  const field = TOP[k] ?? (k === 'emails' || k === 'emails.value' ? 'email' : undefined);
  if (!field) throw new ScimError(400, 'invalidValue', `cannot sort by ${sortBy}`);
  return { field, descending: order === 'descending' };
}
