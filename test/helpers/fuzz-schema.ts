import fc from 'fast-check';
import { edgeNumber, hostileJson, hostileString } from './fuzz-values.ts';

/** The part of JSON Schema (2020-12, as @fastify/swagger serves it) the fuzz reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface SchemaContext {
  /** Resolves `#/components/schemas/<name>`. */
  components: Record<string, JsonSchema>;
  /**
   * Values that exist in the fixture or that are valid for a name the schema cannot say enough about, by property
   * or parameter name (`email`, `phone`, `plan`, `brand` ...): they get requests past lookups and format checks.
   */
  known: Record<string, readonly unknown[] | fc.Arbitrary<unknown>>;
  /** 0..100: how often a node is replaced by a hostile value of any type. */
  mutation: number;
}

const MAX_DEPTH = 6;

function resolve(schema: JsonSchema, ctx: SchemaContext): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    const name = current.$ref.replace(/^#\/components\/schemas\//, '');
    current = ctx.components[name] ?? {};
  }
  return current;
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
  switch (schema.format) {
    case 'email':
      return fc.emailAddress();
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
    case 'url':
      return fc.webUrl();
  }
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 10_000));
    } catch {
      // A pattern JavaScript cannot read: plain strings then.
    }
  }
  return fc.string({ minLength, maxLength });
}

function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  if (integer) {
    const safeLo = Math.max(lo, Number.MIN_SAFE_INTEGER);
    const safeHi = Math.min(hi, Number.MAX_SAFE_INTEGER);
    return fc.oneof(
      fc.integer({ min: Math.ceil(safeLo), max: Math.floor(safeHi) }),
      fc.constantFrom(Math.ceil(safeLo), Math.floor(safeHi)),
    );
  }
  return fc.double({ min: lo, max: hi, noNaN: true });
}

function objectFor(schema: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const required = new Set(schema.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) model[name] = valueFor(properties[name] as JsonSchema, ctx, depth + 1, name);
  const record = fc.record(model, { requiredKeys: names.filter((n) => required.has(n)) });
  const extra = schema.additionalProperties;
  if (names.length === 0 && extra !== false) {
    // A map (custom attributes): known names with generated values, or any names.
    const valueSchema = typeof extra === 'object' ? extra : {};
    const names = ctx.known.attribute;
    const key = fc.oneof(fc.constantFrom(...(Array.isArray(names) ? (names as string[]) : ['x'])), hostileString);
    return fc.dictionary(key, valueFor(valueSchema, ctx, depth + 1), { maxKeys: Math.min(schema.maxProperties ?? 5, 5) });
  }
  if (names.length === 0) return fc.constant({});
  return record;
}

/**
 * An arbitrary of values for a JSON Schema: mostly valid (so requests get past validation and reach the
 * services and the database), now and then any hostile value (wrong type, huge, NUL, lone surrogate, edge
 * number), at the rate `ctx.mutation` says. `name` is the property or parameter it is for, to use known values.
 */
export function valueFor(schema: JsonSchema, ctx: SchemaContext, depth = 0, name?: string): fc.Arbitrary<unknown> {
  const valid = validFor(resolve(schema, ctx), ctx, depth, name);
  if (ctx.mutation <= 0) return valid;
  return fc.oneof(
    { weight: 100 - ctx.mutation, arbitrary: valid },
    { weight: ctx.mutation, arbitrary: depth >= MAX_DEPTH ? hostileString : hostileJson },
  );
}

function validFor(schema: JsonSchema, ctx: SchemaContext, depth: number, name: string | undefined): fc.Arbitrary<unknown> {
  const generated = shapeFor(schema, ctx, depth);
  const known = name && Object.hasOwn(ctx.known, name) ? ctx.known[name] : undefined;
  if (!known) return generated;
  if (Array.isArray(known)) {
    return known.length === 0
      ? generated
      : fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: generated });
  }
  return fc.oneof({ weight: 2, arbitrary: known as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: generated });
}

function shapeFor(schema: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => valueFor(s, ctx, depth)));
  if (schema.allOf && schema.allOf.length > 0) return valueFor(schema.allOf[0] as JsonSchema, ctx, depth);
  if (depth >= MAX_DEPTH) return fc.constant(null);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return schema.properties ? objectFor(schema, ctx, depth) : hostileJson;
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'string':
          return stringFor(schema);
        case 'integer':
          return numberFor(schema, true);
        case 'number':
          return fc.oneof(numberFor(schema, false), edgeNumber);
        case 'boolean':
          return fc.boolean();
        case 'null':
          return fc.constant(null);
        case 'array':
          return fc.array(valueFor(schema.items ?? {}, ctx, depth + 1), {
            minLength: schema.minItems ?? 0,
            maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4)),
          });
        case 'object':
          return objectFor(schema, ctx, depth);
        default:
          return hostileJson;
      }
    }),
  );
}

/** A query, path or header value as text: what a valid value looks like on the wire, or a hostile one. */
export function textFor(schema: JsonSchema, ctx: SchemaContext, name: string): fc.Arbitrary<string> {
  return valueFor(schema, ctx, MAX_DEPTH - 1, name).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
}
