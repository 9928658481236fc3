import { type FieldError, RosterError, type RosterErrorCode } from './errors.ts';

/** Options every client takes. */
export interface ClientOptions {
  /** Where Roster answers, e.g. `https://roster.example.com`. */
  baseUrl: string;
  /** Attempts after the first on network errors, 429 and 503 (default 2). */
  maxRetries?: number;
  /** Per attempt, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** The fetch to use (default globalThis.fetch): for tests, proxies, instrumentation. */
  fetch?: typeof fetch;
  /** First backoff in milliseconds, doubled per attempt with jitter (default 250). */
  retryBaseMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The Idempotency-Key of a POST (default: a fresh random one, reused by its retries). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  /** Sent as is (a file upload), instead of `body` as JSON. A stream cannot be resent, so it is never retried. */
  rawBody?: string | Uint8Array | Blob | ReadableStream<Uint8Array>;
  contentType?: string;
  /** Answer the Response unread (a streamed download) instead of parsing JSON. */
  streamAnswer?: boolean;
  options?: RequestOptions;
}

/** The parsed answer and its headers. */
export interface Answer<T> {
  status: number;
  data: T;
  headers: Headers;
}

const SAFE_METHODS = new Set(['GET', 'PUT', 'DELETE']);

/** Waits `ms`; rejects with the signal's reason when it aborts first (and leaves no listener behind). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `?a=1&b=x`, skipping undefined values; arrays repeat the name. */
export function queryString(query: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Retry-After as seconds (delta or HTTP date), or null. */
function retryAfterOf(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

async function errorOf(res: Response): Promise<RosterError> {
  const text = await res.text();
  let problem: Record<string, unknown> | null = null;
  try {
    problem = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    problem = null;
  }
  const code = typeof problem?.code === 'string' ? problem.code : `HTTP_${res.status}`;
  return new RosterError({
    status: res.status,
    code: code as RosterErrorCode,
    message: String(problem?.detail ?? problem?.title ?? `HTTP ${res.status}`),
    errors: Array.isArray(problem?.errors) ? (problem.errors as FieldError[]) : [],
    requestId: (problem?.requestId as string | undefined) ?? res.headers.get('x-request-id'),
    problem,
    retryAfter: retryAfterOf(res.headers),
  });
}

/**
 * The transport every namespace uses: JSON over fetch with an auth header, an Idempotency-Key on each POST, a
 * timeout per attempt, the caller's AbortSignal, and retries with backoff on network errors, 429 (Retry-After)
 * and 503, only for requests that are safe to repeat (GET, PUT, DELETE, or a POST with its idempotency key).
 */
export class Transport {
  readonly #options: Required<Omit<ClientOptions, 'headers'>> & { headers: Record<string, string> };
  readonly #auth: string | undefined;

  constructor(options: ClientOptions, authorization: string | undefined) {
    if (!options.baseUrl) throw new TypeError('Roster: baseUrl is required');
    this.#options = {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      maxRetries: options.maxRetries ?? 2,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? ((...args) => globalThis.fetch(...args)),
      retryBaseMs: options.retryBaseMs ?? 250,
      headers: options.headers ?? {},
    };
    this.#auth = authorization;
  }

  /**
   * Sends one request (retrying when safe) and parses its JSON answer.
   * @throws RosterError with the problem's code; NETWORK_ERROR or TIMEOUT when no answer came; the signal's
   *   reason when the caller aborted.
   */
  async send<T>(request: Request): Promise<Answer<T>> {
    const { options = {} } = request;
    const headers: Record<string, string> = { accept: 'application/json', ...this.#options.headers, ...options.headers };
    if (this.#auth) headers.authorization = this.#auth;
    let body: string | Uint8Array | Blob | ReadableStream<Uint8Array> | undefined;
    if (request.rawBody !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/octet-stream';
      body = request.rawBody;
    } else if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      body = JSON.stringify(request.body);
    }
    if (request.method === 'POST') headers['idempotency-key'] = options.idempotencyKey ?? crypto.randomUUID();
    const streamed = typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
    const retriable = !streamed && (SAFE_METHODS.has(request.method) || 'idempotency-key' in headers);
    const url = `${this.#options.baseUrl}${request.path}${queryString(request.query)}`;
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;

    for (let attempt = 0; ; attempt++) {
      const canRetry = retriable && attempt < this.#options.maxRetries;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let res: Response;
      try {
        // duplex: a streamed body needs it in Node's fetch (and is ignored elsewhere).
        const init = { method: request.method, headers, body: body as BodyInit | undefined, signal, ...(streamed ? { duplex: 'half' } : {}) };
        res = await this.#options.fetch(url, init as RequestInit);
      } catch (cause) {
        if (options.signal?.aborted) throw options.signal.reason;
        const timedOut = timeout.aborted;
        if (canRetry) {
          await sleep(this.#backoff(attempt, null), options.signal);
          continue;
        }
        throw new RosterError({
          status: 0,
          code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
          message: timedOut ? `no answer from ${url} within ${timeoutMs} ms` : `could not reach ${url}`,
          cause,
        });
      }
      if (res.ok && request.streamAnswer) return { status: res.status, data: res as T, headers: res.headers };
      if (res.ok) {
        const text = res.status === 204 ? '' : await res.text();
        return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
      }
      const error = await errorOf(res);
      if (canRetry && (res.status === 429 || res.status === 503)) {
        await sleep(this.#backoff(attempt, error.retryAfter), options.signal);
        continue;
      }
      throw error;
    }
  }

  #backoff(attempt: number, retryAfterSeconds: number | null): number {
    if (retryAfterSeconds !== null) return Math.min(retryAfterSeconds * 1000, 60_000);
    const base = this.#options.retryBaseMs * 2 ** attempt;
    return base / 2 + Math.random() * (base / 2);
  }
}

/** A path segment, encoded. */
export const seg = (value: string | number) => encodeURIComponent(String(value));
