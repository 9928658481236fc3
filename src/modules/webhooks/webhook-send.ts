import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { BlockedAddressError, guardedLookup, hostOf, isNonPublicAddress } from '../providers/connectors/address-guard.ts';
import { ATTEMPT_TIMEOUT_MS, RESPONSE_LIMIT_BYTES } from './webhooks.ts';

/** Why an attempt failed before an answer could count: the delivery log's `errorKind`. */
export type SendErrorKind = 'timeout' | 'network' | 'blocked_address' | 'redirect';

export type SendOutcome =
  | { ok: true; status: number; headers: IncomingHttpHeaders; excerpt: string }
  | { ok: false; kind: SendErrorKind; status: number | null; message: string };

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  allowPrivate: boolean;
  timeoutMs?: number;
}

/**
 * POSTs one delivery. The address guard of provider calls applies: the host is resolved, every address checked, and
 * the socket connects to the checked address (no rebinding); a literal private address is refused before any
 * connection. Redirects are never followed (a 3xx is a failure). The body is read up to 4 KiB, then the connection
 * is dropped. Gives up after 10 s, headers and body included. Never throws.
 */
export function sendWebhook(req: WebhookRequest): Promise<SendOutcome> {
  const url = new URL(req.url);
  const host = hostOf(url);
  if (!req.allowPrivate && isIP(host) && isNonPublicAddress(host)) {
    return Promise.resolve({ ok: false, kind: 'blocked_address', status: null, message: new BlockedAddressError(host).message });
  }
  const signal = AbortSignal.timeout(req.timeoutMs ?? ATTEMPT_TIMEOUT_MS);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fail = (error: unknown, status: number | null = null) => {
      if (signal.aborted) return finish({ ok: false, kind: 'timeout', status, message: 'no answer within 10 s' });
      if (error instanceof BlockedAddressError) return finish({ ok: false, kind: 'blocked_address', status, message: error.message });
      const code = (error as { code?: string }).code;
      finish({ ok: false, kind: 'network', status, message: `could not be reached${code ? ` (${code})` : ''}` });
    };
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Roster-Webhooks/1', ...req.headers },
        signal,
        lookup: guardedLookup(req.allowPrivate),
        // A fresh connection per attempt: a pooled socket would skip the address check.
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.destroy();
          return finish({ ok: false, kind: 'redirect', status, message: `answered ${status}; redirects are not followed` });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT_BYTES).toString('utf8');
          finish({ ok: true, status, headers: response.headers, excerpt });
        };
        response.on('data', (chunk: Buffer) => {
          if (size >= RESPONSE_LIMIT_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
          // The status is what counts; the rest of a large body is not worth waiting for.
          if (size >= RESPONSE_LIMIT_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', (e) => fail(e, status));
        response.on('close', () => {
          if (!response.complete) fail(new Error('closed mid-answer'), status);
        });
      },
    );
    outgoing.on('error', (e) => fail(e));
    outgoing.end(req.body);
  });
}
