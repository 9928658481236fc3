import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

/** A real Roster listening on a free port, with a tenant and its key. */
export interface LiveRoster {
  t: TestApp;
  url: string;
  tenant: TestTenant;
  close(): Promise<void>;
}

/** Starts the app on 127.0.0.1 (random port) with a fresh tenant; `ownSchema` as createTestApp's. */
export async function startRoster(options: { ownSchema?: boolean } = {}): Promise<LiveRoster> {
  const t = await createTestApp(options);
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const tenant = await createTenant(t);
  return { t, url, tenant, close: () => t.close() };
}

/**
 * A tiny proxy in front of `target` that answers 503 (a problem document with Retry-After: 0) to the next `fail`
 * requests, then forwards. `seen` counts every request it received, by method and path.
 */
export interface FaultProxy {
  url: string;
  failNext(count: number, status?: number): void;
  seen: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let failing = 0;
  let failStatus = 503;
  const seen: string[] = [];
  const server: Server = createServer(async (req, res) => {
    seen.push(`${req.method} ${req.url?.split('?')[0]}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (failing > 0) {
      failing--;
      res.writeHead(failStatus, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      res.end(
        JSON.stringify({
          type: 'urn:roster:error:UNAVAILABLE',
          title: 'Service Unavailable',
          status: failStatus,
          code: failStatus === 429 ? 'RATE_LIMITED' : 'UNAVAILABLE',
          detail: 'injected',
          instance: req.url,
          requestId: 'proxy',
        }),
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length'),
    ) as Record<string, string>;
    const answer = await fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(
      answer.status,
      Object.fromEntries(
        [...answer.headers].filter(([name]) => name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding'),
      ),
    );
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    failNext(count, status = 503) {
      failing = count;
      failStatus = status;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets the SDK's fetch holds open would keep close() waiting.
        server.closeAllConnections();
      }),
  };
}
