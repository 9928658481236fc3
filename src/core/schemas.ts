import {
  type TLiteral,
  type TObject,
  type TObjectOptions,
  type TOptional,
  type TSchema,
  type TSchemaOptions,
  type TUnion,
  Type,
} from 'typebox';

/** RFC 9457 problem document (every native error). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable error code, see docs/errors.md' }),
    detail: Type.String(),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), code: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true, $id: 'Problem' },
);

export const errorResponses = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  403: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
  412: Type.Ref('Problem'),
  413: Type.Ref('Problem'),
  422: Type.Ref('Problem'),
  429: Type.Ref('Problem'),
  503: Type.Ref('Problem'),
};

export const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const PaginationQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'Opaque cursor from nextCursor' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

/** The query of a list that takes only a cursor and a limit. */
export const PageQuery = Type.Object(PaginationQuery, { additionalProperties: false });

/** A preValidation hook for PUTs whose body is optional: no body reads as `{}`. */
export async function bodyOptional(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}

/**
 * Any property name. `Type.Record(Type.String(), …)` compiles to the pattern `^.*$`, which a name holding a line
 * break escapes: on input its value went unchecked, on output the serializer dropped it or failed with a 500.
 */
const ANY_KEY = Type.String({ pattern: '^[\\s\\S]*$' });

/** An object whose every property value matches `value`, whatever the property names. */
export function Dictionary<T extends TSchema>(value: T, options: TObjectOptions = {}) {
  return Type.Record(ANY_KEY, value, options);
}

/**
 * One of the given strings, typed as their union. `Type.Union(values.map(Type.Literal))` validates the same but
 * types as `never`: a mapped array has lost which literal sits where.
 */
export function LiteralUnion<const T extends readonly [string, ...string[]]>(values: T, options: TSchemaOptions = {}) {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
}

/**
 * An object with exactly the given property names, each holding `value` (optional ones when `optional`), typed by
 * name. Built from a list of names, which `Type.Object(Object.fromEntries(…))` would type as any string.
 */
export function KeyedObject<const K extends readonly string[], V extends TSchema, O extends boolean = false>(
  keys: K,
  value: V,
  options: TObjectOptions & { optional?: O } = {},
) {
  const { optional, ...objectOptions } = options;
  const properties = Object.fromEntries(keys.map((k) => [k, optional ? Type.Optional(value) : value]));
  return Type.Object(properties, objectOptions) as unknown as TObject<{ [P in K[number]]: O extends true ? TOptional<V> : V }>;
}
