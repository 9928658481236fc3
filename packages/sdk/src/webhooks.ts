/**
 * Verifies a Standard Webhooks delivery (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the endpoint's secret (`whsec_<base64>`), in WebCrypto, so it runs
 * in Node, Deno, Bun, edge runtimes and browsers without a dependency.
 */
import { RosterError } from './errors.ts';

const encoder = new TextEncoder();

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toBase64(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Length-independent comparison of two strings. */
function equal(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

function header(headers: Headers | Record<string, string | string[] | undefined>, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The signature `v1,<base64>` of a payload, as a sender computes it. */
export async function signWebhook(secret: string, id: string, timestamp: number, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', fromBase64(secret.replace(/^whsec_/, '')) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return `v1,${toBase64(await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${payload}`)))}`;
}

/**
 * Checks a webhook's signature and age and returns its parsed body.
 * @param payload the raw request body, exactly as received (not re-serialized JSON)
 * @param headers the request headers (webhook-id, webhook-timestamp, webhook-signature)
 * @throws RosterError WEBHOOK_SIGNATURE_INVALID (status 401) when a header is missing, the timestamp is more than
 *   `toleranceSeconds` (default 300) away from now, or no signature matches.
 */
export async function verifyWebhook<T = unknown>(
  payload: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  secret: string,
  options: { toleranceSeconds?: number; now?: () => number } = {},
): Promise<T> {
  const fail = (message: string) => new RosterError({ status: 401, code: 'WEBHOOK_SIGNATURE_INVALID', message });
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw fail('missing webhook-id, webhook-timestamp or webhook-signature');
  const seconds = Number(timestamp);
  const now = Math.floor((options.now?.() ?? Date.now()) / 1000);
  if (!Number.isInteger(seconds) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) throw fail('the timestamp is too old or too new');
  const expected = await signWebhook(secret, id, seconds, payload);
  if (!signatures.split(' ').some((candidate) => equal(candidate, expected))) throw fail('no signature matches');
  return JSON.parse(payload) as T;
}
