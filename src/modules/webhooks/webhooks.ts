import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostOf, isNonPublicAddress } from '../providers/connectors/address-guard.ts';

/** Where webhooks may be sent: the operator's ROSTER_WEBHOOKS_ALLOW_HTTP and ROSTER_ALLOW_PRIVATE_UPSTREAMS. */
export interface WebhookUrlPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/** A new signing secret: `whsec_` and 32 random bytes in base64 (the Standard Webhooks format). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** How long the secret before a rotation keeps signing next to the new one. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** A message is given up (failed) this long after its first attempt. */
export const GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
/** An endpoint that has done nothing but fail for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;
/** One attempt may take this long, connection and body included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** Response bodies are read up to this size; the log keeps the first 4 KiB at most. */
export const RESPONSE_LIMIT_BYTES = 4096;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Delay before retry n (1-based): about 5 s, 1 min, 10 min, 1 h, 6 h, then every 12 h. */
const SCHEDULE = [5 * SECOND, MINUTE, 10 * MINUTE, HOUR, 6 * HOUR];
const LATER = 12 * HOUR;

/**
 * The delay before the next attempt after `attempts` failed ones, with ±20 % jitter so endpoints that failed
 * together do not retry together. `random` is in [0, 1).
 */
export function retryDelayMs(attempts: number, random: number = Math.random()): number {
  const base = SCHEDULE[attempts - 1] ?? LATER;
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * When a 429 or 503 answer asks to be retried (`Retry-After` in seconds or as an HTTP date), in ms since the epoch;
 * null when the header is absent or unreadable.
 */
export function retryAfterOf(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return now + Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(now, date);
}

/**
 * Checks an endpoint URL at configuration time: https (http only when allowed), no credentials, and not a literal
 * non-public address or `localhost` unless private upstreams are allowed. Names are resolved and checked again at
 * every delivery (src/modules/webhooks/webhook-send.ts).
 * @returns what is wrong, or null.
 */
export function webhookUrlProblem(raw: string, policy: WebhookUrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'must be an http(s) URL' : 'must be an https URL (set ROSTER_WEBHOOKS_ALLOW_HTTP=on to allow http)';
  }
  if (url.username || url.password) return 'must not carry credentials; use headers';
  const host = hostOf(url);
  if (!policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isNonPublicAddress(host)))) {
    return 'is a private, loopback or link-local address (set ROSTER_ALLOW_PRIVATE_UPSTREAMS=on to allow)';
  }
  return null;
}

/** Headers a tenant may not set: the signature's, and those the transport owns. */
const RESERVED_HEADERS = /^(webhook-|content-length$|content-type$|host$|transfer-encoding$|connection$)/i;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** @returns what is wrong with a set of extra headers, or null. */
export function headersProblem(headers: Record<string, string>): string | null {
  const names = Object.keys(headers);
  if (names.length > 20) return 'must have at most 20 headers';
  for (const name of names) {
    if (!HEADER_NAME.test(name)) return `"${name}" is not a header name`;
    if (RESERVED_HEADERS.test(name)) return `"${name}" is set by Roster`;
    if (/[\r\n]/.test(headers[name]) || headers[name].length > 1024) return `the value of "${name}" is not allowed`;
  }
  return null;
}

/** The sealing context of an endpoint's secrets, so a sealed value cannot be moved to another row. */
export function endpointSealingContext(tenantId: string, endpointId: string, part: 'secret' | 'headers'): string {
  return `webhook:${tenantId}:${endpointId}:${part}`;
}
