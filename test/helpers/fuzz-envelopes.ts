/**
 * Which API a path belongs to, and whether an answer is in that API's envelope. Each check returns what is
 * wrong (empty when nothing is), so a fuzz can collect every failure of a run instead of stopping at the first.
 * The rules are the ones the dialect fuzz tests (test/dialects/*.fuzz.test.ts) assert, gathered in one place.
 */

export type Api = 'native' | 'scim' | 'tagmango' | 'thanx' | 'publicala' | 'usercom' | 'naviga';

/**
 * The API a request path is served by: the dialects by their vendors' prefixes, everything else native. The path
 * is read as an HTTP client sends it, dot segments (`/users/x/%2e%2e`) resolved.
 */
export function apiOf(url: string): Api {
  let path = url.split('?')[0] ?? '';
  try {
    path = new URL(path, 'http://localhost').pathname;
  } catch {
    // Not a URL a client would send: classify it as written.
  }
  if (path === '/scim/v2' || path.startsWith('/scim/v2/')) return 'scim';
  if (path === '/v4' || path.startsWith('/v4/')) return 'naviga';
  if (path === '/integration-api' || path.startsWith('/integration-api/')) return 'publicala';
  if (path === '/api/v1/external' || path.startsWith('/api/v1/external/')) return 'tagmango';
  if (path === '/api/public' || path.startsWith('/api/public/')) return 'usercom';
  if (path === '/users' || path === '/users/') return 'thanx';
  return 'native';
}

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keys(value: Json): string {
  return Object.keys(value).sort().join(',');
}

function nativeProblems(res: Answer, body: Json): string[] {
  const out: string[] = [];
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) out.push('content-type is not application/problem+json');
  if (typeof body.code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(body.code)) out.push('no UPPER_SNAKE code');
  if (body.type !== `urn:roster:error:${String(body.code)}`) out.push('type is not urn:roster:error:<code>');
  if (body.status !== res.statusCode) out.push('status differs from the HTTP status');
  if (typeof body.title !== 'string' || body.title.length === 0) out.push('no title');
  if (typeof body.detail !== 'string') out.push('no detail');
  if (body.requestId !== res.headers['x-request-id']) out.push('requestId is not the x-request-id header');
  if (body.errors !== undefined) {
    if (!Array.isArray(body.errors)) out.push('errors is not a list');
    else
      for (const e of body.errors)
        if (!isObject(e) || typeof e.field !== 'string' || typeof e.code !== 'string' || typeof e.message !== 'string')
          out.push('an errors entry is not {field, code, message}');
  }
  return out;
}

/** RFC 7644 §3.12: the Error schema, `status` as a string equal to the HTTP status, a detail, a known scimType. */
function scimProblems(res: Answer, body: Json): string[] {
  const out: string[] = [];
  if (!String(res.headers['content-type']).startsWith('application/scim+json')) out.push('content-type is not application/scim+json');
  if (!Array.isArray(body.schemas) || !body.schemas.includes('urn:ietf:params:scim:api:messages:2.0:Error'))
    out.push('schemas does not name the SCIM Error schema');
  if (body.status !== String(res.statusCode)) out.push('status is not the HTTP status as a string');
  if (typeof body.detail !== 'string' || body.detail.length === 0) out.push('no detail');
  const scimTypes = [
    'invalidFilter',
    'tooMany',
    'uniqueness',
    'mutability',
    'invalidSyntax',
    'invalidPath',
    'noTarget',
    'invalidValue',
    'invalidVers',
    'sensitive',
  ];
  if (body.scimType !== undefined && !scimTypes.includes(String(body.scimType))) out.push(`unknown scimType ${String(body.scimType)}`);
  return out;
}

function tagmangoProblems(res: Answer, body: Json): string[] {
  const out: string[] = [];
  if (keys(body) !== 'code,message,statusMessage,success,type') out.push(`keys ${keys(body)}`);
  if (body.code !== res.statusCode) out.push('code differs from the HTTP status');
  if (body.success !== false) out.push('success is not false');
  if (typeof body.statusMessage !== 'string' || !/^[A-Z_]+$/.test(body.statusMessage)) out.push('statusMessage');
  if (typeof body.type !== 'string' || typeof body.message !== 'string') out.push('type or message');
  return out;
}

function thanxProblems(body: Json): string[] {
  const error = body.error;
  if (keys(body) !== 'error' || !isObject(error)) return [`keys ${keys(body)}`];
  const out: string[] = [];
  if (typeof error.code !== 'string' || !/^[a-z_]+$/.test(error.code)) out.push('error.code');
  if (typeof error.message !== 'string') out.push('error.message');
  if (typeof error.request_id !== 'string') out.push('error.request_id');
  const fields = error.fields;
  if (fields !== undefined && !(Array.isArray(fields) && fields.every((f) => isObject(f) && keys(f) === 'code,field,message')))
    out.push('error.fields');
  return out;
}

function publicalaProblems(res: Answer, body: Json): string[] {
  if (typeof body.message !== 'string') return ['no message'];
  if (res.statusCode !== 422) return keys(body) === 'message' ? [] : [`keys ${keys(body)}`];
  if (keys(body) !== 'errors,message' || !isObject(body.errors)) return [`keys ${keys(body)}`];
  const out: string[] = [];
  if (Object.keys(body.errors).length === 0) out.push('a 422 with no errors');
  for (const messages of Object.values(body.errors))
    if (!Array.isArray(messages) || !messages.every((m) => typeof m === 'string' && /^The .+\.$/s.test(m)))
      out.push('an errors entry is not a list of "The ... ." messages');
  return out;
}

function usercomProblems(res: Answer, body: Json): string[] {
  const entries = Object.entries(body);
  if (entries.length === 0) return ['empty body'];
  if (res.statusCode !== 400 || Object.hasOwn(body, 'detail')) {
    return keys(body) === 'detail' && typeof body.detail === 'string' ? [] : [`keys ${keys(body)}`];
  }
  return entries.every(([, m]) => Array.isArray(m) && m.every((s) => typeof s === 'string'))
    ? []
    : ['a field entry is not a list of strings'];
}

function navigaProblems(body: Json): string[] {
  if (keys(body) !== 'data,message,meta') return [`keys ${keys(body)}`];
  const message = body.message;
  const meta = body.meta;
  const out: string[] = [];
  if (!Array.isArray(body.data) || body.data.length !== 0) out.push('data is not []');
  if (!isObject(meta) || meta.totalRecords !== 0) out.push('meta.totalRecords is not 0');
  if (!isObject(message) || message.type !== 'Error') out.push('message.type is not Error');
  else if (typeof message.code !== 'string' || !/^UsersOrchestrator_E\d{3}_\d{2}$/.test(message.code)) out.push('message.code');
  if (isObject(message) && typeof message.text !== 'string') out.push('message.text');
  return out;
}

/**
 * What is wrong with an answer: a 5xx, a body that is not the JSON its content type says, or an error
 * outside the envelope of `api`. HEAD answers carry no body and are only checked for their status.
 */
export function answerProblems(api: Api, method: string, res: Answer): string[] {
  if (res.statusCode >= 500) return [`status ${res.statusCode}`];
  if (method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) return [];
  const type = String(res.headers['content-type'] ?? '');
  const isJson = /^application\/([a-z.+-]*\+)?json/.test(type);
  if (res.statusCode < 400) {
    if (!isJson || res.body === '') return [];
    try {
      JSON.parse(res.body);
      return [];
    } catch {
      return ['a 2xx whose JSON does not parse'];
    }
  }
  if (!isJson) return [`a ${res.statusCode} with content-type ${type || 'none'}`];
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return [`a ${res.statusCode} whose JSON does not parse`];
  }
  if (!isObject(body)) return ['the error body is not an object'];
  switch (api) {
    case 'native':
      return nativeProblems(res, body);
    case 'scim':
      return scimProblems(res, body);
    case 'tagmango':
      return tagmangoProblems(res, body);
    case 'thanx':
      return thanxProblems(body);
    case 'publicala':
      return publicalaProblems(res, body);
    case 'usercom':
      return usercomProblems(res, body);
    case 'naviga':
      return navigaProblems(body);
  }
}
