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
    // Errors carry their schema, so an unknown field can be matched against the accepted ones for a hint.
    verbose: true,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

/** Fastify validator compiler: strict for bodies, coercing for query strings, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = (route) => lazyValidator(route).validate;

/** One route part's validator, compiled on its first use (or ahead of it, by `compile`). */
function lazyValidator({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  // Compiled on the route's first request, not at start-up (issue 16): the schema and the result are the same.
  let compiled: ReturnType<Ajv['compile']> | null = null;
  const compile = () => {
    compiled ??= (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object);
    return compiled;
  };
  const validate = (data: unknown) => {
    const validator = compile();
    const errors = validator(data) ? unstorable(data) : (validator.errors ?? []);
    return errors.length === 0 ? { value: data } : { error: Object.assign(new Error('validation failed'), { validation: errors }) };
  };
  return { validate, compile, isCompiled: () => compiled !== null };
}

/** A route whose validators `LazyValidators.precompile` may compile ahead of its first request. */
export interface RouteRef {
  method: string;
  url: string;
}

export interface LazyValidators {
  /** The validator compiler to give Fastify (`app.setValidatorCompiler`): the same validators as validatorCompiler. */
  compiler: FastifySchemaCompiler<unknown>;
  /**
   * Compiles now the validators of the routes `wanted` picks, one route part per macrotask so requests arriving
   * meanwhile wait for at most one compilation. Resolves with how many it compiled now (a part compiled already, by
   * a request or an earlier call, is not counted). Never throws: a schema Ajv
   * refuses is refused again, as it is now, on the route's first request.
   */
  precompile(wanted: (route: RouteRef) => boolean): Promise<number>;
}

/**
 * The validator compiler of one app, remembering each route part's lazy validator so that the few routes a person
 * waits on at first (the console's first page) can be compiled once the server is ready instead of on that request:
 * the first compilation of an Ajv instance costs 100–250 ms on this machine, a list query's schema 20 ms more.
 */
export function lazyValidators(): LazyValidators {
  const parts: { route: RouteRef; compile: () => unknown; isCompiled: () => boolean }[] = [];
  return {
    compiler: (route) => {
      const validator = lazyValidator(route);
      parts.push({ route: { method: route.method, url: route.url }, compile: validator.compile, isCompiled: validator.isCompiled });
      return validator.validate;
    },
    async precompile(wanted) {
      let count = 0;
      for (const part of parts.filter((p) => wanted(p.route))) {
        if (part.isCompiled()) continue;
        await new Promise((resolve) => setImmediate(resolve));
        try {
          part.compile();
          count++;
        } catch {
          // The route's first request meets the same error, where it is reported as today.
        }
      }
      return count;
    },
  };
}

/**
 * A body validator outside a request (the rows of a bulk import): the same compiler, options and storability
 * checks as every request body, answering the same field errors a 422 would list.
 */
export function compileBodyValidator(schema: object): (data: unknown) => FieldError[] {
  const validate = bodyAjv.compile(schema);
  return (data) => {
    const errors = validate(data) ? unstorable(data) : (validate.errors ?? []);
    return errors.length === 0 ? [] : toFieldErrors(errors);
  };
}

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

/** Turns ajv errors into field errors with dotted field names, in Roster's words (never the validator's). */
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
    if (e.keyword === 'required' || e.keyword === 'additionalProperties') {
      const params = e.params as { missingProperty?: string; additionalProperty?: string };
      const name = params.missingProperty ?? params.additionalProperty ?? '';
      field = field ? `${field}.${name}` : name;
    }
    const { code, message } = describeError(e);
    field = prefix && field ? `${prefix}.${field}` : field || prefix || '(root)';
    const key = `${field}|${code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, code, message });
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

const FORMAT_WORDS: Record<string, string> = {
  email: 'an email address',
  uri: 'a URL',
  url: 'a URL',
  'uri-reference': 'a URL or a path',
  uuid: 'a UUID',
  date: 'a date (yyyy-mm-dd)',
  'date-time': 'a date and time (RFC 3339, e.g. 2030-12-31T23:59:59Z)',
  time: 'a time (hh:mm:ss)',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  hostname: 'a host name',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Words for a list of JSON types: "a string or null". */
export function typeWords(types: readonly string[]): string {
  return types.map((type) => TYPE_WORDS[type] ?? type).join(' or ');
}

/** Roster's code and message for one validator error. */
function describeError(e: ErrorObject): { code: string; message: string } {
  const p = e.params as Record<string, unknown>;
  const limit = Number(p.limit);
  switch (e.keyword) {
    case 'required':
      return { code: 'required', message: 'is required' };
    case 'additionalProperties': {
      const hint = suggestField(String(p.additionalProperty), Object.keys(propertiesOf(e.parentSchema)));
      return { code: 'unknown_field', message: hint ? `is not an accepted field; did you mean \`${hint}\`?` : 'is not an accepted field' };
    }
    case 'type': {
      const types = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
      return { code: 'invalid_type', message: `must be ${typeWords(types)}${quotedHint(e.data, types)}` };
    }
    case 'enum':
    case 'const': {
      // collapseBranches words a union of constants and types itself.
      if (typeof p.words === 'string') return { code: 'invalid_enum', message: p.words };
      const values = e.keyword === 'const' ? [p.allowedValue] : ((p.allowedValues as unknown[]) ?? []);
      return {
        code: 'invalid_enum',
        message:
          values.length === 1
            ? `must be ${JSON.stringify(values[0])}`
            : `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    }
    case 'maxLength':
      return { code: 'too_long', message: `must be at most ${plural(limit, 'character', 'characters')}` };
    case 'minLength':
      return limit === 1
        ? { code: 'too_short', message: 'must not be empty' }
        : { code: 'too_short', message: `must be at least ${plural(limit, 'character', 'characters')}` };
    case 'maximum':
      return { code: 'too_large', message: `must be at most ${limit}` };
    case 'exclusiveMaximum':
      return { code: 'too_large', message: `must be less than ${limit}` };
    case 'minimum':
      return { code: 'too_small', message: `must be at least ${limit}` };
    case 'exclusiveMinimum':
      return { code: 'too_small', message: `must be more than ${limit}` };
    case 'multipleOf':
      return { code: 'invalid_number', message: `must be a multiple of ${Number(p.multipleOf)}` };
    case 'maxItems':
      return { code: 'too_many_items', message: `must hold at most ${plural(limit, 'item', 'items')}` };
    case 'minItems':
      return { code: 'too_few_items', message: `must hold at least ${plural(limit, 'item', 'items')}` };
    case 'uniqueItems':
      return { code: 'duplicate_items', message: `must not repeat an item (items ${Number(p.j)} and ${Number(p.i)} are the same)` };
    case 'maxProperties':
      return { code: 'too_many_entries', message: `must hold at most ${plural(limit, 'entry', 'entries')}` };
    case 'minProperties':
      return { code: 'too_few_entries', message: `must hold at least ${plural(limit, 'entry', 'entries')}` };
    case 'format': {
      const format = String(p.format);
      return { code: 'invalid_format', message: `must be ${FORMAT_WORDS[format] ?? `in ${format} format`}` };
    }
    case 'pattern':
      return { code: 'invalid_format', message: `must match the pattern ${String(p.pattern)}` };
    case 'propertyNames':
      return { code: 'invalid_name', message: 'holds a name that is not accepted' };
  }
  // Our own checks (unstorable text, depth) already speak Roster's words; anything else gets a plain one.
  if (e.keyword === 'invalid_text' || e.keyword === 'too_deep') return { code: e.keyword, message: e.message ?? 'is not valid' };
  return { code: 'invalid', message: 'is not valid' };
}

// A number or boolean sent as text is the commonest type slip: say how to send it.
function quotedHint(data: unknown, types: readonly string[]): string {
  if (typeof data !== 'string') return '';
  const text = data.trim();
  if ((types.includes('integer') || types.includes('number')) && text !== '' && Number.isFinite(Number(text))) {
    return `; send ${Number(text)} without quotes`;
  }
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return `; send ${text} without quotes`;
  return '';
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  return properties && typeof properties === 'object' ? (properties as Record<string, unknown>) : {};
}

const squash = (name: string) => name.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The accepted field a mistyped one most likely meant: the same name in another case or spelling convention
 * (`first_name` → `firstName`), else one within two edits of it. Null when nothing is that close.
 */
export function suggestField(unknown: string, accepted: readonly string[]): string | null {
  const squashed = squash(unknown);
  const sameWord = accepted.find((name) => squash(name) === squashed);
  if (sameWord) return sameWord;
  if (unknown.length < 3) return null;
  let best: { name: string; distance: number } | null = null;
  for (const name of accepted) {
    const distance = editDistance(squashed, squash(name));
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
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
    const types = [...new Set(shallow.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: unknown }).type)))];
    merged.set(
      shallow[0],
      values.length > 0
        ? {
            ...shallow[0],
            keyword: 'enum',
            params: {
              words: `must be one of ${[...values.map((v) => JSON.stringify(v)), ...types.map((t) => TYPE_WORDS[t] ?? t)].join(', ')}`,
            },
          }
        : { ...shallow[0], keyword: 'type', params: { type: types } },
    );
  }
  return errors.flatMap((e) => (merged.has(e) ? [merged.get(e) as ErrorObject] : drop.has(e) ? [] : [e]));
}
