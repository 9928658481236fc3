import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/** Keep-alive connections per endpoint origin and guard setting; at most this many open to one origin (several endpoints may share it). */
const MAX_SOCKETS_PER_ORIGIN = 64;
const agents = new Map<string, HttpAgent>();

/**
 * The keep-alive agent of an origin. A pooled socket was connected through the guarded lookup when it was opened,
 * to an address checked then, so reusing it keeps the guard's promise (no new name resolution, no rebinding). Idle
 * sockets close after 4 s, under Node's default server keep-alive of 5 s, so the pool rarely sends on a socket the
 * receiver is closing.
 */
function agentOf(url: URL, allowPrivate: boolean): HttpAgent {
  const key = `${url.protocol}//${url.host}|${allowPrivate ? 'private' : 'public'}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN, maxFreeSockets: MAX_SOCKETS_PER_ORIGIN, timeout: 4_000 };
    agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

/**
 * POSTs one delivery. The address guard of provider calls applies: the host is resolved, every address checked, and
 * the socket connects to the checked address (no rebinding); a literal private address is refused before any
 * connection. Redirects are never followed (a 3xx is a failure). The body is read up to 4 KiB, then the connection
 * is dropped. Gives up after 10 s, headers and body included. Connections are kept alive per origin; a request that
 * fails on a reused connection before any answer (the receiver closed it meanwhile) is sent once more on a new one.
 * Never throws.
 */
export async function sendWebhook(req: WebhookRequest): Promise<SendOutcome> {
  const first = await sendOnce(req, false);
  if (first.retry) return (await sendOnce(req, true)).outcome;
  return first.outcome;
}

function sendOnce(req: WebhookRequest, fresh: boolean): Promise<{ outcome: SendOutcome; retry: boolean }> {
  const url = new URL(req.url);
  const host = hostOf(url);
  if (!req.allowPrivate && isIP(host) && isNonPublicAddress(host)) {
    return Promise.resolve({
      outcome: { ok: false, kind: 'blocked_address', status: null, message: new BlockedAddressError(host).message },
      retry: false,
    });
  }
  const signal = AbortSignal.timeout(req.timeoutMs ?? ATTEMPT_TIMEOUT_MS);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    let answered = false;
    const finish = (outcome: SendOutcome, retry = false) => {
      if (settled) return;
      settled = true;
      resolve({ outcome, retry });
    };
    const fail = (error: unknown, status: number | null = null) => {
      if (signal.aborted) return finish({ ok: false, kind: 'timeout', status, message: 'no answer within 10 s' });
      if (error instanceof BlockedAddressError) return finish({ ok: false, kind: 'blocked_address', status, message: error.message });
      const code = (error as { code?: string }).code;
      const stale = !fresh && !answered && outgoing.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
      finish({ ok: false, kind: 'network', status, message: `could not be reached${code ? ` (${code})` : ''}` }, stale);
    };
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Roster-Webhooks/1', ...req.headers },
        signal,
        lookup: guardedLookup(req.allowPrivate),
        agent: fresh ? false : agentOf(url, req.allowPrivate),
      },
      (response) => {
        answered = true;
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
