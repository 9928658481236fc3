/** A field error of a problem document (the `errors` list). */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** A non-2xx answer of /console/api, with its problem document. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from sign-in or GET /session): sent on every state-changing request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export interface ApiResult<T> {
  data: T;
  etag: string | null;
}

/** Calls /console/api: same-origin cookie, X-CSRF-Token on writes, problem+json turned into ApiError. */
export async function apiCall<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResult<T>> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json', ...headers } };
  const h = init.headers as Record<string, string>;
  if (method !== 'GET' && csrfToken) h['x-csrf-token'] = csrfToken;
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/console/api${path}`, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const p = (parsed ?? {}) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
    throw new ApiError(response.status, p.code ?? 'UNKNOWN', p.detail ?? p.title ?? response.statusText, p.errors ?? [], parsed ?? {});
  }
  return { data: parsed as T, etag: response.headers.get('etag') };
}

export const api = {
  get: async <T>(path: string) => (await apiCall<T>('GET', path)).data,
  post: async <T>(path: string, body?: unknown) => (await apiCall<T>('POST', path, body ?? {})).data,
  patch: async <T>(path: string, body: unknown) => (await apiCall<T>('PATCH', path, body)).data,
  put: async <T>(path: string, body?: unknown) => (await apiCall<T>('PUT', path, body)).data,
  del: async (path: string) => {
    await apiCall('DELETE', path);
  },
};

export interface Operator {
  id: string;
  email: string;
  name: string;
  role: 'platform' | 'tenant';
  tenantIds: string[];
  createdAt: string;
}

export interface SessionInfo {
  operator: Operator | null;
  csrfToken: string;
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  hosts: string[];
  defaultCountry: string | null;
  sessionsLimit: number | null;
  sessionsPolicy: string;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  brand: string | null;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface User {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  externalId: string | null;
  country: string | null;
  status: string;
  roles: string[];
  attributes: Record<string, unknown>;
  brands: { slug: string }[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface UserPage {
  data: User[];
  nextCursor: string | null;
  total?: number;
}

export interface RosterEvent {
  id: string;
  type: string;
  userId: string | null;
  actor: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  data: Record<string, unknown> | null;
  createdAt: string;
}

export interface Session {
  id: string;
  method: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface AttributeDefinition {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'date' | 'json';
  searchable: boolean;
  unique: boolean;
  description: string | null;
}

/** Uploads a file as the raw body (its own content type), with the CSRF token; problem+json turned into ApiError. */
export async function apiUpload<T>(path: string, file: Blob, contentType: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': contentType };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/console/api${path}`, { method: 'POST', credentials: 'same-origin', headers, body: file });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const p = (parsed ?? {}) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
    throw new ApiError(response.status, p.code ?? 'UNKNOWN', p.detail ?? p.title ?? response.statusText, p.errors ?? [], parsed ?? {});
  }
  return parsed as T;
}
