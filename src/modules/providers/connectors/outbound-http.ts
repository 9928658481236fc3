import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { BlockedAddressError, guardedLookup, hostOf, isNonPublicAddress } from './address-guard.ts';
import { ProviderError } from './connector.ts';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the call, headers and body included (the provider's timeout). */
  signal: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How outbound calls may go: the operator's ROSTER_ALLOW_PRIVATE_UPSTREAMS. */
export interface OutboundPolicy {
  allowPrivate: boolean;
}

/** Upstream answers larger than this are refused: a user record is a few KiB. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Checks an endpoint at configuration time: an http(s) URL, and not a literal non-public address or
 * `localhost` unless private upstreams are allowed (names are checked again, resolved, at call time).
 * @returns a message saying what is wrong, or null when it is acceptable.
 */
export function endpointProblem(raw: string, policy: OutboundPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials in the URL; use credentials';
  const host = hostOf(url);
  if (!policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isNonPublicAddress(host)))) {
    return 'is a private, loopback or link-local address (set ROSTER_ALLOW_PRIVATE_UPSTREAMS=1 to allow)';
  }
  return null;
}

/**
 * One HTTP call to an upstream. Never follows redirects (a 3xx is a failure: it could lead to an address the
 * guard did not check, and credentials must not travel to another host), never connects to a non-public address
 * unless allowed, reads at most 1 MiB, and gives up when the signal aborts.
 * @throws ProviderError timeout, network, blocked_address, redirect, response_too_large.
 */
export function sendOutbound(req: OutboundRequest, policy: OutboundPolicy): Promise<OutboundResponse> {
  const url = new URL(req.url);
  const host = hostOf(url);
  // Literal addresses never reach `lookup`, so they are checked here.
  if (!policy.allowPrivate && isIP(host) && isNonPublicAddress(host)) {
    return Promise.reject(new ProviderError('blocked_address', new BlockedAddressError(host).message));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => reject(toProviderError(error, req.signal));
    const outgoing = send(
      url,
      {
        method: req.method,
        headers: { accept: 'application/json', ...req.headers },
        signal: req.signal,
        lookup: guardedLookup(policy.allowPrivate),
        // A fresh connection per call: a pooled socket would skip the address check of its next request.
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.destroy();
          return reject(new ProviderError('redirect', `The provider answered ${status} (redirects are not followed)`, { status }));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            response.destroy();
            reject(new ProviderError('response_too_large', 'The provider answered more than 1 MiB', { status }));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', fail);
        // A body cut short (timeout, reset) ends in 'close' without 'end'; the promise keeps the first outcome.
        response.on('close', () => {
          if (!response.complete) fail(new Error('The provider closed the connection mid-answer'));
        });
      },
    );
    outgoing.on('error', fail);
    outgoing.end(req.body);
  });
}

function toProviderError(error: unknown, signal: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal.aborted) return new ProviderError('timeout', 'The provider did not answer in time');
  if (error instanceof BlockedAddressError) return new ProviderError('blocked_address', error.message);
  const code = (error as { code?: string }).code;
  return new ProviderError('network', `The provider could not be reached${code ? ` (${code})` : ''}`);
}

/**
 * Parses a JSON answer.
 * @throws ProviderError malformed_response.
 */
export function parseJson(response: OutboundResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    throw new ProviderError('malformed_response', `The provider answered ${response.status} with a body that is not JSON`, {
      status: response.status,
    });
  }
}

/**
 * Maps an error status to a ProviderError: 429 carries when to retry (Retry-After in seconds or as an HTTP date,
 * else X-RateLimit-Reset in epoch seconds).
 */
export function statusError(response: OutboundResponse, now: number): ProviderError {
  const { status } = response;
  if (status === 429) {
    return new ProviderError('rate_limited', 'The provider is rate limiting us', { status, retryAt: retryAtOf(response.headers, now) });
  }
  if (status === 401 || status === 403)
    return new ProviderError('auth_failed', `The provider refused our credentials (${status})`, { status });
  return new ProviderError('upstream_error', `The provider answered ${status}`, { status });
}

function retryAtOf(headers: IncomingHttpHeaders, now: number): number | null {
  const retryAfter = headers['retry-after'];
  if (typeof retryAfter === 'string') {
    if (/^\d+$/.test(retryAfter.trim())) return now + Number(retryAfter.trim()) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return date;
  }
  const reset = headers['x-ratelimit-reset'];
  if (typeof reset === 'string' && /^\d+$/.test(reset.trim())) return Number(reset.trim()) * 1000;
  return null;
}
