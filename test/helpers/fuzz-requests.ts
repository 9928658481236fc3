import fc from 'fast-check';
import type { Api } from './fuzz-envelopes.ts';
import type { Method, Operation, Parameter } from './fuzz-routes.ts';
import { type JsonSchema, type SchemaContext, textFor, valueFor } from './fuzz-schema.ts';
import { deepJson, forgedCursor, hostileJson, hostileString, rawJsonLiterals } from './fuzz-values.ts';

/** One generated HTTP request, printable as is to reproduce a failure. */
export interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** Set when a query parameter carries a forged pagination cursor. */
  cursor: boolean;
}

/** What the fixture offers the generators: credentials, and ids that exist, per path parameter. */
export interface FuzzFixture {
  tenantKey: string;
  otherTenantKey: string;
  adminToken: string;
  accessToken: string;
  host: string;
  codes: { clientGroup: string; client: string; paper: string };
  /** Values that exist, by path parameter, for a path (by its Fastify form) and a method. */
  pathValues(path: string, method: Method, name: string): readonly string[];
  /** Ids to put inside forged cursors. */
  ids: string[];
  schema: SchemaContext;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as on any real wire). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Header values Node lets onto the wire: visible ASCII, space, tab, obs-text; never CR or LF. */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 500, max: 8_000 }).map((n) => 'h'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '0', '-1', 'null', '*', '"1"', 'W/"1"', '"x"', '__proto__', '%00') },
);

/** Raw path parameter values: hostile text percent-encoded, or broken encodings sent as they are. */
const hostilePathValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: hostileString.map(percentEncode) },
  { weight: 2, arbitrary: fc.uuid() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '0',
      '-1',
      '1.5',
      '1e3',
      '00',
      '9007199254740993',
      '9223372036854775808',
      '99999999999999999999999999',
      '%00',
      '%zz',
      '%',
      '%E0%A4%A',
      '%C0%AF',
      '%2F',
      '..',
      '.',
      '%2e%2e',
      'x%20y',
      '__proto__',
      'constructor',
    ),
  },
);

type Credential = 'good' | 'other' | 'admin' | 'tenant' | 'access' | 'none' | 'wrong';

const credential: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Credential>('good') },
  { weight: 1, arbitrary: fc.constantFrom<Credential>('other', 'admin', 'tenant', 'access', 'none', 'wrong') },
);

function authHeaders(api: Api, admin: boolean, mode: Credential, wrong: string, f: FuzzFixture): Record<string, string> {
  const key =
    mode === 'good'
      ? admin
        ? f.adminToken
        : f.tenantKey
      : mode === 'other'
        ? f.otherTenantKey
        : mode === 'admin'
          ? f.adminToken
          : mode === 'tenant'
            ? f.tenantKey
            : mode === 'access'
              ? f.accessToken
              : null;
  const out: Record<string, string> = {};
  if (mode === 'wrong') out.authorization = wrong;
  else if (key) out.authorization = api === 'usercom' ? `Token ${key}` : `Bearer ${key}`;
  if (api === 'tagmango') out['x-whitelabel-host'] = f.host;
  if (api === 'naviga') {
    out['x-sourcesystem'] = 'fuzz';
    out['x-clientgroupcode'] = f.codes.clientGroup;
    out['x-clientcode'] = f.codes.client;
    out['x-papercode'] = f.codes.paper;
  }
  return out;
}

/** Headers a client may add to any request; each a chance to break a parser or a lookup. */
const extraHeaders = fc.record(
  {
    'idempotency-key': fc.oneof(fc.uuid(), headerText),
    'if-match': fc.oneof(fc.constantFrom('"1"', '"2"', 'W/"1"', '*', '"999999999999999999999"', '"-1"', '"1.5"', '""'), headerText),
    'if-none-match': headerText,
    accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml', 'application/problem+json', ''),
    'x-request-id': headerText,
    'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), headerText),
    'user-agent': headerText,
    'x-whitelabel-host': headerText,
    'x-user-token': headerText,
    'x-refresh-token': headerText,
    'accept-version': headerText,
    'x-clientcode': headerText,
    'x-papercode': headerText,
  },
  { requiredKeys: [] },
);

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;',
  'application/merge-patch+json',
  'application/problem+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'json',
  '',
] as const;

function topLevelNames(body: JsonSchema | null): string[] {
  const names = Object.keys(body?.properties ?? {});
  return names.length > 0 ? names : ['x'];
}

/** Bodies no JSON.stringify produces: broken JSON, literals out of range, prototype keys, deep nesting, duplicate keys. */
function rawBody(op: Operation, valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const names = topLevelNames(op.body);
  const name = fc.constantFrom(...names);
  const validText = valid.map((v) => JSON.stringify(v) ?? 'null');
  const spliced = (extra: string) => validText.map((t) => (t.startsWith('{') && t !== '{}' ? `${t.slice(0, -1)},${extra}}` : `{${extra}}`));
  return fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '}',
      '[',
      '{"',
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      'nul',
      'tru',
      'NaN',
      'undefined',
      '\u0000',
      '\ufeff{}',
      '{}garbage',
    ),
    fc.tuple(name, fc.constantFrom(...rawJsonLiterals)).map(([n, lit]) => `{"${n}":${lit}}`),
    fc.tuple(name, fc.constantFrom(...rawJsonLiterals)).chain(([n, lit]) => spliced(`"${n}":${lit}`)),
    spliced('"__proto__":{"admin":true,"scopes":["*"]}'),
    spliced('"constructor":{"prototype":{"admin":true}}'),
    fc.tuple(name, hostileString).chain(([n, s]) => spliced(`"${n}":${JSON.stringify(s)},"${n}":${JSON.stringify(s)}`)),
    fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => deepJson(d, k)),
    fc
      .tuple(name, fc.integer({ min: 50, max: 5_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
      .map(([n, d, k]) => `{"${n}":${deepJson(d, k)}}`),
    fc.constant(0).map(() => `{"x":"${'y'.repeat(1024 * 1024 + 10)}"}`),
  );
}

function formBody(value: unknown): string {
  if (typeof value !== 'object' || value === null) return percentEncode(String(value));
  return Object.entries(value)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`)
    .join('&');
}

interface BodyPart {
  payload?: string;
  contentType?: string;
}

function bodyPart(op: Operation, f: FuzzFixture): fc.Arbitrary<BodyPart> {
  const schema = op.body ?? {};
  const valid = valueFor(schema, { ...f.schema, mutation: 3 });
  const mutated = valueFor(schema, { ...f.schema, mutation: 30 });
  const json = (value: fc.Arbitrary<unknown>) =>
    value.map((v): BodyPart => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json' }));
  const hasBody = op.body !== null || ['POST', 'PUT', 'PATCH'].includes(op.method);
  return fc.oneof(
    { weight: hasBody ? 1 : 8, arbitrary: fc.constant<BodyPart>({}) },
    { weight: hasBody ? 8 : 1, arbitrary: json(valid) },
    { weight: hasBody ? 4 : 1, arbitrary: json(mutated) },
    { weight: 1, arbitrary: json(hostileJson) },
    { weight: 2, arbitrary: rawBody(op, valid).map((payload): BodyPart => ({ payload, contentType: 'application/json' })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            valid.map((v) => JSON.stringify(v) ?? ''),
            valid.map(formBody),
            fc.string({ maxLength: 80 }),
          ),
          fc.constantFrom(...CONTENT_TYPES),
        )
        .map(([payload, contentType]): BodyPart => ({ payload, contentType })),
    },
  );
}

function queryValue(p: Parameter, f: FuzzFixture): fc.Arbitrary<string> {
  const text = textFor(p.schema, f.schema, p.name);
  if (p.name === 'cursor' || p.name === 'after') return fc.oneof(text, forgedCursor(f.ids), forgedCursor(f.ids));
  return text;
}

interface QueryPart {
  query: string;
  cursor: boolean;
}

/** Query parameters a route reads without documenting them (Naviga's lookup): tried where none is documented. */
const UNDOCUMENTED_QUERY: Parameter[] = ['email', 'ignoreProvider', 'phone', 'refreshToken', 'page'].map((name) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string', maxLength: 64 },
}));

function queryPart(op: Operation, f: FuzzFixture): fc.Arbitrary<QueryPart> {
  const documented = op.parameters.filter((p) => p.in === 'query');
  const params = documented.length > 0 || op.method !== 'GET' ? documented : UNDOCUMENTED_QUERY;
  const pairs = params.map((p) =>
    fc.tuple(fc.integer({ min: 0, max: 9 }), queryValue(p, f), queryValue(p, f)).map(([roll, a, b]): [string, string][] => {
      if (roll < (p.required ? 1 : 5)) return [];
      if (roll === 9)
        return [
          [p.name, a],
          [p.name, b],
        ];
      return [[p.name, a]];
    }),
  );
  const stray = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'limit', 'cursor', 'email', 'x'), hostileString), hostileString),
    {
      maxLength: 2,
    },
  );
  const broken = fc.constantFrom('', '', '', '', '&', '=', '%', 'a=%zz', 'a=%E0%A4%A', 'a[b]=1', 'a[__proto__][x]=1', '__proto__[x]=1');
  return fc.tuple(fc.tuple(...pairs), stray, broken).map(([chosen, extra, tail]) => {
    const flat = [...chosen.flat(), ...extra];
    const cursor = flat.some(([name]) => name === 'cursor' || name === 'after');
    const parts = flat.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`);
    if (tail) parts.push(tail);
    return { query: parts.join('&'), cursor };
  });
}

function pathPart(op: Operation, f: FuzzFixture): fc.Arbitrary<string> {
  const segments = op.path.split('/');
  const parts = segments.map((segment): fc.Arbitrary<string> => {
    if (segment === '*') return fc.array(hostilePathValue, { minLength: 0, maxLength: 3 }).map((s) => s.join('/'));
    if (!segment.startsWith(':')) return fc.constant(segment);
    const name = segment.slice(1);
    const known = f.pathValues(op.path, op.method, name);
    const good = known.length > 0 ? fc.constantFrom(...known.map(percentEncode)) : hostilePathValue;
    return fc.oneof({ weight: 5, arbitrary: good }, { weight: 2, arbitrary: hostilePathValue });
  });
  return fc.tuple(...parts).map((p) => {
    const path = p.join('/');
    return path.startsWith('/') ? path : `/${path}`;
  });
}

/** Requests for one operation: its path with known or hostile parameters, a query, credentials, headers and a body. */
export function requestsFor(op: Operation, api: Api, f: FuzzFixture): fc.Arbitrary<FuzzRequest> {
  const admin = op.path.startsWith('/v1/admin');
  return fc
    .record({
      path: pathPart(op, f),
      query: queryPart(op, f),
      credential,
      wrong: fc.oneof(
        headerText,
        headerText.map((v) => `Bearer ${v}`),
        fc.constantFrom('Basic Zm9vOmJhcg==', 'Bearer', 'Token ', 'bearer x'),
      ),
      extra: fc.option(extraHeaders, { freq: 3, nil: undefined }),
      body: bodyPart(op, f),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(op.method) },
        { weight: 1, arbitrary: fc.constantFrom<Method>('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
      ),
    })
    .map((r): FuzzRequest => {
      const headers: Record<string, string> = { ...(r.extra ?? {}), ...authHeaders(api, admin, r.credential, r.wrong, f) };
      if (r.body.contentType) headers['content-type'] = r.body.contentType;
      const url = r.query.query ? `${r.path}?${r.query.query}` : r.path;
      const request: FuzzRequest = { method: r.method, url, headers, cursor: r.query.cursor };
      if (r.body.payload !== undefined && r.method !== 'GET' && r.method !== 'HEAD') request.payload = r.body.payload;
      return request;
    });
}

const PREFIXES = [
  '',
  '/',
  '/v1',
  '/v1/admin',
  '/v1/users',
  '/v4',
  '/integration-api/v1',
  '/api/v1/external',
  '/api/public',
  '/users',
  '/docs',
  '/.well-known',
] as const;

/** Requests to paths no route has, under every API's prefix, with any method. */
export function unroutedRequests(f: FuzzFixture): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      prefix: fc.constantFrom(...PREFIXES),
      tail: fc.array(hostilePathValue, { minLength: 1, maxLength: 3 }),
      method: fc.constantFrom<Method>('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      auth: fc.constantFrom(`Bearer ${f.tenantKey}`, `Token ${f.tenantKey}`, `Bearer ${f.adminToken}`, ''),
      payload: fc.option(
        fc.oneof(
          fc.constantFrom('{}', '{', '[]'),
          hostileJson.map((v) => JSON.stringify(v) ?? ''),
        ),
        { nil: undefined },
      ),
    })
    .map((r): FuzzRequest => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (r.auth) headers.authorization = r.auth;
      const request: FuzzRequest = { method: r.method, url: `${r.prefix}/${r.tail.join('/')}`, headers, cursor: false };
      if (r.payload !== undefined && r.method !== 'GET' && r.method !== 'HEAD') request.payload = r.payload;
      return request;
    });
}
