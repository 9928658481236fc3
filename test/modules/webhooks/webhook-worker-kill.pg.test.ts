import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startChild, stopChild } from '../../../bench/children.ts';
import { loadConfig } from '../../../src/config.ts';
import { createTenant, createTestApp, type TestApp, testDatabase } from '../../helpers/app.ts';
import { testDatabaseUrl } from '../../helpers/backend.ts';
import { type Stub, startStub } from '../../helpers/upstream.ts';

/**
 * At-least-once across a crash: `roster worker` processes deliver to a receiver that fails at random (500s, 503 with
 * Retry-After, connection resets, slow bodies); the first worker is killed with SIGKILL mid-run and another started.
 * Every event reaches every matching endpoint; duplicates are counted and reported.
 */
let t: TestApp;
let receiver: Stub;
let schema: string;
const workers: Child[] = [];
const attemptsById = new Map<string, number>();
/** Successful receipts per path and webhook-id. */
const receipts = new Map<string, number>();

beforeAll(async () => {
  t = await createTestApp({
    ownSchema: true,
    config: { allowPrivateUpstreams: true, webhooks: { ...loadConfig({}).webhooks, allowHttp: true } },
  });
  // The workers run on this file's own schema, where the app's endpoints and events are.
  schema = (await testDatabase()).schema as string;
  receiver = await startStub((req, res) => {
    const id = String(req.headers['webhook-id']);
    const attempt = (attemptsById.get(`${req.url}:${id}`) ?? 0) + 1;
    attemptsById.set(`${req.url}:${id}`, attempt);
    const roll = Math.random();
    // First attempts fail often; later ones succeed, so the run ends within the first retry's ~5 s.
    if (attempt === 1 && roll < 0.2) return res.writeHead(500).end('boom');
    if (attempt === 1 && roll < 0.3) return res.writeHead(503, { 'retry-after': '0' }).end();
    if (attempt === 1 && roll < 0.4) return res.destroy();
    const ok = () => {
      const key = `${req.url}:${id}`;
      receipts.set(key, (receipts.get(key) ?? 0) + 1);
      res.writeHead(200).end('ok');
    };
    if (roll > 0.85) {
      res.writeHead(200);
      res.write('slow…');
      setTimeout(() => {
        const key = `${req.url}:${id}`;
        receipts.set(key, (receipts.get(key) ?? 0) + 1);
        res.end('done');
      }, 300);
      return;
    }
    ok();
  });
});
afterAll(async () => {
  for (const w of workers) await stopChild(w, 2000);
  await receiver.close();
  await t.close();
});

function startWorker(name: string): Child {
  const env = {
    ...process.env,
    DATABASE_URL: testDatabaseUrl,
    ROSTER_DB_SCHEMA: schema,
    ROSTER_ALLOW_PRIVATE_UPSTREAMS: 'on',
    ROSTER_WEBHOOK_LEASE_SECONDS: '3',
    LOG_LEVEL: 'silent',
  };
  const child = startChild(
    name,
    ['--import', 'tsx', join('src', 'cli', 'main.ts'), 'worker'],
    env,
    join(import.meta.dirname, '..', '..', '..'),
  );
  workers.push(child);
  return child;
}

describe('webhook worker killed with SIGKILL', () => {
  it('delivers every event at least once to every matching endpoint; duplicates are counted', { timeout: 150_000 }, async () => {
    const tenant = await createTenant(t);
    for (const [path, eventTypes] of [
      ['/all', ['user.*']],
      ['/created', ['user.created']],
    ] as const) {
      const res = await t.call({
        method: 'POST',
        url: '/v1/webhooks',
        headers: tenant.auth,
        payload: { url: `${receiver.url}${path}`, eventTypes },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const first = startWorker('worker-1');
    const users: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `kill${i}@example.com` } });
      users.push(res.json().id);
      if (i % 4 === 0)
        await t.call({ method: 'PATCH', url: `/v1/users/${users[i]}`, headers: tenant.auth, payload: { firstName: `N${i}` } });
      if (i === 20) {
        // Kill the first worker while it is delivering.
        const deadline = Date.now() + 30_000;
        while (receipts.size < 5 && Date.now() < deadline) await sleep(50);
        expect(receipts.size, first.output.join('\n')).toBeGreaterThan(0);
        first.process.kill('SIGKILL');
        await first.exited;
        startWorker('worker-2');
      }
    }
    // The feed shows them once no older transaction anywhere on the server is still running: wait for all 50.
    let feed: { id: string; type: string }[] = [];
    for (const until = Date.now() + 60_000; feed.length < 50 && Date.now() < until; await sleep(50)) {
      feed = (await t.call({ method: 'GET', url: '/v1/events?types=user.*&limit=200', headers: tenant.auth })).json().data;
    }
    const expected = [...feed.map((e) => `/all:${e.id}`), ...feed.filter((e) => e.type === 'user.created').map((e) => `/created:${e.id}`)];
    expect(expected.length).toBe(40 + 10 + 40);
    const deadline = Date.now() + 60_000;
    while (expected.some((key) => !receipts.has(key)) && Date.now() < deadline) await sleep(100);
    const missing = expected.filter((key) => !receipts.has(key));
    expect(missing, workers.at(-1)?.output.join('\n')).toEqual([]);
    const duplicates = [...receipts.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(`kill -9 run: ${expected.length} deliveries expected, all received; ${duplicates} duplicate receipts`);
    // Nothing but the expected ones arrived.
    expect([...receipts.keys()].filter((key) => !expected.includes(key))).toEqual([]);
  });
});
