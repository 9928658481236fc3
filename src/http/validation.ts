import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler, HookHandlerDoneFunction } from 'fastify';
import { AppError, type FieldError } from '../core/errors.ts';

function makeAjv(coerce: boolean): Ajv {
  // Bodies are never coerced or stripped: an unknown field is an error, a string is not a number.
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

/** Fastify validator compiler: strict for bodies, coercing for query strings, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object);
  return (data: unknown) => {
    const errors = validate(data) ? unstorable(data) : (validate.errors ?? []);
    return errors.length === 0 ? { value: data } : { error: Object.assign(new Error('validation failed'), { validation: errors }) };
  };
};

/** Deepest nesting of arrays and objects accepted in a request. */
export const MAX_DEPTH = 32;

// NUL is refused by PostgreSQL text and jsonb; an unpaired surrogate is refused by jsonb (and mangled by text).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isUnstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

// At module level, not a closure per call: this runs on every request with a body.
function fail(instancePath: string, keyword: string, message: string): ErrorObject[] {
  return [{ instancePath, keyword, message, params: {}, schemaPath: `#/${keyword}` }];
}

/**
 * Finds what the schema cannot say but the database cannot store: text (values or keys) holding NUL or an
 * unpaired surrogate, and nesting deeper than MAX_DEPTH. Iterative, so a deep body cannot overflow the stack.
 */
function unstorable(data: unknown): ErrorObject[] {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: data, path: '', depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop() as (typeof pending)[number];
    if (typeof value === 'string') {
      if (isUnstorable(value)) return fail(path, 'invalid_text', 'must not contain NUL characters or unpaired surrogates');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return fail(path, 'too_deep', `must not nest arrays and objects more than ${MAX_DEPTH} levels deep`);
    for (const [key, item] of Object.entries(value)) {
      const itemPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (isUnstorable(key)) return fail(itemPath, 'invalid_text', 'names must not contain NUL characters or unpaired surrogates');
      pending.push({ value: item, path: itemPath, depth: depth + 1 });
    }
  }
  return [];
}

/**
 * Routes without a body schema still parse a JSON body, which later code may walk (the Idempotency-Key fingerprint
 * stringifies it): hold those bodies to the same rule as validated ones, so a body nested 10,000 levels deep is a
 * 422 naming where, not a stack overflow. Hooked on those routes only; routes with a body schema pay nothing.
 * Register before the routes. The check throws AppError VALIDATION_FAILED into the route's own error handler.
 */
export function guardUnvalidatedBodies(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { body?: unknown } | undefined;
    if (schema?.body !== undefined) return;
    const hooks = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [...hooks, checkUnvalidatedBody];
  });
}

function checkUnvalidatedBody(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const body = request.body;
  const errors = typeof body === 'object' && body !== null ? unstorable(body) : [];
  if (errors.length === 0) {
    done();
    return;
  }
  const fields = toFieldErrors(errors);
  done(new AppError('VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { in: 'body' }, fields));
}

/** Turns ajv errors into field errors with dotted field names. */
export function toFieldErrors(errors: ErrorObject[], prefix = ''): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  errors = collapseBranches(errors);
  for (const e of errors) {
    // anyOf/oneOf emit one error per branch plus a summary; collapseBranches kept what matters.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    let field = e.instancePath
      .replace(/^\//, '')
      .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
      .replaceAll('/', '.');
    let code = e.keyword;
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      field = field ? `${field}.${missing}` : missing;
      code = 'required';
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      field = field ? `${field}.${extra}` : extra;
      code = 'unknown_field';
      message = 'is not an accepted field';
    }
    field = prefix && field ? `${prefix}.${field}` : field || prefix || '(root)';
    const key = `${field}|${code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, code, message });
  }
  return out;
}

/**
 * A value failing `anyOf` (e.g. string-or-null) gets an error from every branch. When some branch got
 * past the type check (a string too long, an array with a bad item), the other branches' type and
 * constant errors are noise and are dropped; when every branch failed on type or constant, they become
 * one "must be X or Y" / "must be one of ...".
 */
function collapseBranches(errors: ErrorObject[]): ErrorObject[] {
  const isUnion = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';
  const isShallow = (e: ErrorObject) => e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'enum';
  const unions = errors.filter(isUnion);
  if (unions.length === 0) return errors;
  const drop = new Set<ErrorObject>();
  const merged = new Map<ErrorObject, ErrorObject>();
  for (const union of unions) {
    // A union nested in another one at the same place is handled with its parent.
    if (unions.some((u) => u !== union && u.instancePath === union.instancePath && union.schemaPath.startsWith(`${u.schemaPath}/`)))
      continue;
    const branch = errors.filter((e) => e !== union && !isUnion(e) && e.schemaPath.startsWith(`${union.schemaPath}/`));
    const shallow = branch.filter((e) => isShallow(e) && e.instancePath === union.instancePath);
    if (shallow.length === 0) continue;
    for (const e of shallow) drop.add(e);
    if (shallow.length < branch.length) continue;
    const values = shallow.flatMap((e) => {
      const params = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
      return e.keyword === 'const' ? [params.allowedValue] : e.keyword === 'enum' ? (params.allowedValues ?? []) : [];
    });
    const types = shallow.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: unknown }).type));
    const message =
      values.length > 0
        ? `must be one of ${[...values.map((v) => JSON.stringify(v)), ...types].join(', ')}`
        : `must be ${[...new Set(types)].join(' or ')}`;
    merged.set(shallow[0], { ...shallow[0], keyword: values.length > 0 ? 'enum' : 'type', message });
  }
  return errors.flatMap((e) => (merged.has(e) ? [merged.get(e) as ErrorObject] : drop.has(e) ? [] : [e]));
}
