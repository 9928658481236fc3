/**
 * The real server process: an acknowledged write survives `kill -9`, and SIGTERM lets in-flight requests finish.
 * Runs on the backend of the run (ROSTER_TEST_BACKEND): a PGlite data directory or a PostgreSQL schema.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { backend } from '../helpers/backend.ts';
import { createTenantOver, freshStorage, killAll, type ServerProcess, type Storage, startServerProcess } from './process.ts';

const cleanups: Storage[] = [];
afterEach(async () => {
  await killAll();
  for (const storage of cleanups.splice(0)) await storage.cleanup();
});

async function storageFor(name: string): Promise<Storage> {
  const storage = await freshStorage(name);
  cleanups.push(storage);
  return storage;
}

interface Acked {
  id: string;
  email: string;
  version: number;
  name: string | null;
}

async function send(server: ServerProcess, auth: Record<string, string>, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Runs tasks with at most `width` in flight; stops starting new ones once `stop()` is true. */
async function pool(count: number, width: number, task: (i: number) => Promise<void>, stop: () => boolean): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count && !stop()) await task(next++);
    }),
  );
}

describe(`durability on ${backend} (real server process)`, () => {
  it('every acknowledged write survives kill -9 and a restart', async () => {
    const storage = await storageFor('kill');
    const first = await startServerProcess(storage);
    const tenant = await createTenantOver(first, 'durable');
    const acked = new Map<string, Acked>();
    const ack = (user: { id: string; email: string; version: number; name: string | null }) =>
      acked.set(user.id, { id: user.id, email: user.email, version: user.version, name: user.name });

    // 1. Sequential and parallel creates.
    for (let i = 0; i < 20; i++) {
      const res = await send(first, tenant.auth, 'POST', '/v1/users', { email: `seq${i}@example.com` });
      expect(res.status).toBe(201);
      ack(res.body);
    }
    await pool(
      80,
      16,
      async (i) => {
        const res = await send(first, tenant.auth, 'POST', '/v1/users/find-or-create', { email: `par${i}@example.com` });
        expect(res.status).toBe(201);
        ack(res.body.user);
      },
      () => false,
    );
    // 2. Updates: the acknowledged version must be the one found after the crash.
    const toUpdate = [...acked.values()].slice(0, 20);
    await Promise.all(
      toUpdate.map(async (u) => {
        const res = await send(first, tenant.auth, 'PATCH', `/v1/users/${u.id}`, { name: `Renamed ${u.email}` });
        expect(res.status).toBe(200);
        ack(res.body);
      }),
    );
    expect(acked.size).toBe(100);

    // 3. A stream of creates, killed with SIGKILL the moment the 80th of them is acknowledged (others in flight).
    let streamed = 0;
    let killed = false;
    const crashAfter = 80;
    await pool(
      200,
      12,
      async (i) => {
        let res: Awaited<ReturnType<typeof send>>;
        try {
          res = await send(first, tenant.auth, 'POST', '/v1/users', { email: `stream${i}@example.com`, name: `S${i}` });
        } catch {
          // The connection died with the process: the outcome of this write is unknown, so it was never acknowledged.
          return;
        }
        if (killed) return; // answered after the kill was decided: not counted
        expect(res.status).toBe(201);
        ack(res.body);
        if (++streamed === crashAfter) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      },
      () => killed,
    );
    expect(await first.exited).toBe('SIGKILL');
    expect(acked.size).toBe(100 + crashAfter);

    // 4. Restart on the same storage: every acknowledged user is there, as acknowledged.
    const second = await startServerProcess(storage);
    const missing: string[] = [];
    const wrong: string[] = [];
    await pool(
      acked.size,
      16,
      async (i) => {
        const want = [...acked.values()][i];
        const res = await send(second, tenant.auth, 'GET', `/v1/users/${want.id}`);
        if (res.status !== 200) missing.push(`${want.email}: ${res.status}`);
        else if (res.body.email !== want.email || res.body.version !== want.version || res.body.name !== want.name) {
          wrong.push(`${want.email}: ${JSON.stringify([res.body.email, res.body.version, res.body.name])}`);
        }
      },
      () => false,
    );
    expect(missing).toEqual([]);
    expect(wrong).toEqual([]);
    // Writes in flight at the kill may or may not have landed; acknowledged ones all did.
    const list = await send(second, tenant.auth, 'GET', '/v1/users?count=true&limit=1');
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(acked.size);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000);

  it('SIGTERM lets every in-flight request finish with 2xx, then exits 0', async () => {
    const storage = await storageFor('term');
    const server = await startServerProcess(storage);
    const tenant = await createTenantOver(server, 'graceful');
    const port = Number(new URL(server.url).port);
    const answered: Promise<{ status: number; body: string }>[] = [];

    // Requests the server has provably started: with `Expect: 100-continue`, Node answers 100 as it dispatches
    // the request to Fastify. The bodies are sent only after SIGTERM.
    const inFlight = Array.from({ length: 30 }, (_, i) => {
      const body = JSON.stringify({ email: `inflight${i}@example.com` });
      let sendBody = () => {};
      const started = new Promise<void>((resolve) => {
        const req = request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/users',
          headers: {
            ...tenant.auth,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            expect: '100-continue',
          },
        });
        req.once('continue', () => resolve());
        sendBody = () => req.end(body);
        answered.push(
          new Promise((done, fail) => {
            req.once('error', fail);
            req.once('response', (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c) => {
                text += c;
              });
              res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
            });
          }),
        );
        req.flushHeaders();
      });
      return { started, send: () => sendBody() };
    });
    await Promise.all(inFlight.map((r) => r.started));

    server.child.kill('SIGTERM');
    for (const r of inFlight) r.send();
    const results = await Promise.all(answered);
    for (const r of results) expect(r.status, r.body).toBe(201);
    expect(await server.exited).toBe(0);

    // Nothing acknowledged during the drain was lost.
    const again = await startServerProcess(storage);
    for (const r of results) {
      const { id, email } = JSON.parse(r.body);
      const got = await send(again, tenant.auth, 'GET', `/v1/users/${id}`);
      expect(got.status).toBe(200);
      expect(got.body.email).toBe(email);
    }
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 240_000);
});
