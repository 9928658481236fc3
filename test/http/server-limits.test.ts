/**
 * HTTP limits on a real listening server, driven by raw sockets: a client that trickles its headers or its body,
 * or leaves a keep-alive connection idle, is cut off at the configured time; connections beyond the cap are refused.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

const HEADERS_MS = 1000;
const REQUEST_MS = 2500;
const KEEPALIVE_MS = 1000;
// The server checks its connections a few times per timeout; a loaded machine adds its own delay on top.
const SLACK_MS = 2500;

interface Outcome {
  /** Milliseconds from connecting until the server closed the socket. */
  closedAfterMs: number;
  /** Everything the server wrote. */
  received: string;
}

interface Client {
  socket: Socket;
  /** Resolves when the server closes the connection. */
  closed: Promise<Outcome>;
  /** Resolves with what was received once it contains `marker`. */
  waitFor(marker: string): Promise<string>;
}

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    let start = 0;
    const waiters: { marker: string; done: (text: string) => void }[] = [];
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      for (const w of waiters.splice(0)) {
        if (received.includes(w.marker)) w.done(received);
        else waiters.push(w);
      }
    });
    // A reset is how a refused or timed-out connection may end: it counts as closed.
    socket.on('error', () => {});
    const closed = new Promise<Outcome>((done) => {
      socket.once('close', () => done({ closedAfterMs: Date.now() - start, received }));
    });
    socket.once('connect', () => {
      start = Date.now();
      resolve({
        socket,
        closed,
        waitFor: (marker) =>
          received.includes(marker) ? Promise.resolve(received) : new Promise((done) => waiters.push({ marker, done })),
      });
    });
    socket.once('error', reject);
  });
}

/** Writes `parts` one every `everyMs` until the socket closes; returns when it has. */
async function trickle(client: Client, parts: () => string, everyMs: number): Promise<Outcome> {
  const timer = setInterval(() => {
    if (!client.socket.destroyed && client.socket.writable) client.socket.write(parts());
  }, everyMs);
  try {
    return await client.closed;
  } finally {
    clearInterval(timer);
  }
}

async function listen(t: TestApp): Promise<number> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('header, body and idle timeouts', () => {
  let t: TestApp;
  let port: number;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await createTestApp({
      config: {
        http: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS, keepAliveTimeoutMs: KEEPALIVE_MS, maxConnections: 100 },
      },
    });
    port = await listen(t);
    // Authenticated requests: the app reads their bodies (an unauthenticated one is answered 401 before that).
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  it('cuts off a client that trickles its headers at the headers timeout, with 408', async () => {
    const client = await open(port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    let n = 0;
    const outcome = await trickle(client, () => `X-Slow-${n++}: 1\r\n`, 100);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(outcome.closedAfterMs).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a client that connects and sends nothing at the headers timeout', async () => {
    const client = await open(port);
    const outcome = await client.closed;
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(outcome.closedAfterMs).toBeLessThan(HEADERS_MS + SLACK_MS);
  });

  it('cuts off a client that sends its headers and trickles the body at the request timeout, not the headers timeout', async () => {
    const client = await open(port);
    client.socket.write(
      `POST /v1/users HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${tenant.auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"email":"`,
    );
    const outcome = await trickle(client, () => 'a', 100);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(outcome.closedAfterMs).toBeLessThan(REQUEST_MS + SLACK_MS);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('serves a request whose body arrives within the request timeout', async () => {
    const client = await open(port);
    const body = JSON.stringify({ email: 'slow-but-fine@example.com' });
    client.socket.write(
      `POST /v1/users HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${tenant.auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    // Within the headers timeout again and again, and within the request timeout in all.
    for (const part of [body.slice(0, 10), body.slice(10, 20), body.slice(20)]) {
      await new Promise((r) => setTimeout(r, HEADERS_MS / 2));
      client.socket.write(part);
    }
    // Read in full and answered by the app, not cut off.
    expect(await client.waitFor('slow-but-fine@example.com')).toMatch(/^HTTP\/1\.1 201 /);
    client.socket.destroy();
  });

  it('closes a keep-alive connection left idle after a response at the keep-alive timeout', async () => {
    const client = await open(port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await client.waitFor('"ok"');
    const answeredAt = Date.now();
    const outcome = await client.closed;
    const idle = Date.now() - answeredAt;
    expect(outcome.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(outcome.received.toLowerCase()).toContain(`keep-alive: timeout=${KEEPALIVE_MS / 1000}`);
    expect(idle).toBeGreaterThanOrEqual(KEEPALIVE_MS - 100);
    expect(idle).toBeLessThan(KEEPALIVE_MS + SLACK_MS);
  });
});

describe('connection cap', () => {
  const CAP = 3;
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({
      config: { http: { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 60_000, maxConnections: CAP } },
    });
    port = await listen(t);
  });
  afterAll(() => t.close());

  it('refuses connections beyond the cap and serves again once one closes', async () => {
    const held = await Promise.all(Array.from({ length: CAP }, () => open(port)));
    // Each held connection is live: it is answered and kept open.
    for (const client of held) {
      client.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      expect(await client.waitFor('"ok"')).toMatch(/^HTTP\/1\.1 200 /);
    }
    const extra = await open(port);
    extra.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const refused = await extra.closed;
    expect(refused.received).toBe('');
    expect(refused.closedAfterMs).toBeLessThan(SLACK_MS);

    // The held connections are unaffected.
    held[0].socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await held[0].waitFor('HTTP/1.1 200 OK\r\n');
    held[1].socket.destroy();
    await held[1].closed;
    // The server counts the closed socket down on its own close event: retry briefly.
    let served = '';
    for (let attempt = 0; attempt < 20 && !served; attempt++) {
      const next = await open(port);
      next.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
      served = await Promise.race([next.waitFor('"ok"'), next.closed.then(() => '')]);
      next.socket.destroy();
      if (!served) await new Promise((r) => setTimeout(r, 50));
    }
    expect(served).toMatch(/^HTTP\/1\.1 200 /);
    for (const client of held) client.socket.destroy();
  });
});

describe('HTTP limits configuration', () => {
  it('reads the ROSTER_HTTP_* variables, with defaults', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
      maxConnections: 4096,
    });
    expect(
      loadConfig({
        ROSTER_HTTP_HEADERS_TIMEOUT_MS: '2000',
        ROSTER_HTTP_REQUEST_TIMEOUT_MS: '5000',
        ROSTER_HTTP_KEEPALIVE_TIMEOUT_MS: '3000',
        ROSTER_HTTP_MAX_CONNECTIONS: '50',
      }).http,
    ).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 3000, maxConnections: 50 });
  });

  it('refuses malformed values and a headers timeout longer than the request timeout, naming the variable', () => {
    expect(() => loadConfig({ ROSTER_HTTP_MAX_CONNECTIONS: '0' })).toThrow(/ROSTER_HTTP_MAX_CONNECTIONS/);
    expect(() => loadConfig({ ROSTER_HTTP_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/ROSTER_HTTP_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ ROSTER_HTTP_HEADERS_TIMEOUT_MS: '40000', ROSTER_HTTP_REQUEST_TIMEOUT_MS: '30000' })).toThrow(
      /ROSTER_HTTP_HEADERS_TIMEOUT_MS/,
    );
  });
});
