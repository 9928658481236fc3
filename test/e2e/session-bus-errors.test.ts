/**
 * A server with REDIS_URL set whose session-bus connection Redis drops (CLIENT KILL of that one connection, found
 * by its client name): the server logs it through its logger (a warn line, no URL, no password), keeps running,
 * resubscribes, and a revocation through it is refused at once again.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busConnectionName } from '../../src/modules/sessions/redis-session-bus.ts';
import { createTenantOver, freshStorage, killAll, type ServerProcess, type Storage, startServerProcess } from './process.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery staple 42';
let storage: Storage;
let server: ServerProcess;
let auth: { authorization: string };
let redis: Redis;

beforeAll(async () => {
  const fresh = await freshStorage('bus_errors');
  storage = { ...fresh, env: { ...fresh.env, REDIS_URL } };
  server = await startServerProcess(storage);
  ({ auth } = await createTenantOver(server, `bus-errors-${process.pid}`));
  redis = new Redis(REDIS_URL);
}, 180_000);
afterAll(async () => {
  redis?.disconnect();
  await killAll();
  await storage?.cleanup();
});

/** The id of the server's subscriber connection, once it has one. */
async function subscriberId(): Promise<string | null> {
  const name = busConnectionName('sub', server.child.pid);
  const list = (await redis.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  return line?.match(/(?:^|\s)id=(\d+)/)?.[1] ?? null;
}

async function eventually<T>(probe: () => Promise<T | null | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms; server output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function post(path: string, body: unknown = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('errors of the Redis session bus', () => {
  it('are logged, and the server survives and resubscribes', async () => {
    const first = await eventually(subscriberId);
    expect(await redis.client('KILL', 'ID', first)).toBe(1);
    const line = await eventually(
      async () =>
        server
          .output()
          .split('\n')
          .find((l) => l.includes('session bus (Redis) error')) ?? null,
    );
    const logged = JSON.parse(line);
    expect(logged.level).toBe(40);
    expect(logged.err.message).toMatch(/subscription was lost/);
    expect(line).not.toContain('redis://');
    // Still serving, and subscribed again on a new connection.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const second = await eventually(async () => {
      const id = await subscriberId();
      return id !== first ? id : null;
    });
    expect(second).not.toBe(first);
    expect(server.child.exitCode).toBeNull();

    // The cache trusts the bus again: a session checked (cached), then revoked, is refused soon after.
    expect((await post('/v1/users', { email: 'bus@example.com', password: PASSWORD })).status).toBe(201);
    const signIn = await post('/v1/sessions', { email: 'bus@example.com', password: PASSWORD });
    expect(signIn.status).toBe(201);
    const { accessToken, session } = (await signIn.json()) as { accessToken: string; session: { id: string } };
    const me = () => fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);
    expect(await me()).toBe(200);
    const revoked = await fetch(`${server.url}/v1/sessions/${session.id}`, { method: 'DELETE', headers: auth });
    expect(revoked.status).toBeLessThan(300);
    // This process too learns of the revocation over the bus (published after the commit): a moment, not a TTL.
    const start = Date.now();
    await eventually(async () => (await me()) === 401, 5_000);
    expect(Date.now() - start).toBeLessThan(5_000);
  }, 120_000);
});
