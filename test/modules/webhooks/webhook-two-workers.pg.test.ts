import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { startWebhookWorker } from '../../../src/workers/webhook-worker.ts';
import { createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { type Stub, startStub } from '../../helpers/upstream.ts';

/** Two workers on one PostgreSQL share the messages through SKIP LOCKED leases: none twice, none skipped. */
let t: TestApp;
let receiver: Stub;
const inFlight = new Map<string, number>();
const receipts = new Map<string, number>();
let overlaps = 0;

beforeAll(async () => {
  t = await createTestApp({
    ownSchema: true,
    config: { allowPrivateUpstreams: true, webhooks: { ...loadConfig({}).webhooks, allowHttp: true } },
  });
  receiver = await startStub((req, res) => {
    const key = `${req.url}:${req.headers['webhook-id']}`;
    const now = (inFlight.get(key) ?? 0) + 1;
    inFlight.set(key, now);
    if (now > 1) overlaps++;
    // A little latency, so two workers would overlap if both held the same message.
    setTimeout(
      () => {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
        receipts.set(key, (receipts.get(key) ?? 0) + 1);
        res.writeHead(204).end();
      },
      5 + Math.random() * 20,
    );
  });
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

describe('two webhook workers on PostgreSQL', () => {
  it('deliver every event once between them, never the same one at the same time', { timeout: 120_000 }, async () => {
    const tenant = await createTenant(t);
    for (const path of ['/a', '/b']) {
      const res = await t.call({
        method: 'POST',
        url: '/v1/webhooks',
        headers: tenant.auth,
        payload: { url: `${receiver.url}${path}`, eventTypes: ['user.*'] },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const workers = [
      startWebhookWorker(t.registry, { owner: 'worker-a', idleMs: 10, batch: 10 }),
      startWebhookWorker(t.registry, { owner: 'worker-b', idleMs: 10, batch: 10 }),
    ];
    const writes = Array.from({ length: 60 }, (_, i) =>
      t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `two${i}@example.com` } }),
    );
    await Promise.all(writes);
    let feed: { id: string }[] = [];
    for (const until = Date.now() + 60_000; feed.length < 60 && Date.now() < until; await sleep(50)) {
      feed = (await t.call({ method: 'GET', url: '/v1/events?types=user.*&limit=200', headers: tenant.auth })).json().data;
    }
    const expected = feed.flatMap((e) => [`/a:${e.id}`, `/b:${e.id}`]);
    expect(expected).toHaveLength(120);
    for (const until = Date.now() + 60_000; expected.some((k) => !receipts.has(k)) && Date.now() < until; ) await sleep(50);
    await Promise.all(workers.map((w) => w.stop()));
    expect(expected.filter((k) => !receipts.has(k))).toEqual([]);
    expect(overlaps).toBe(0);
    expect([...receipts.values()].filter((n) => n > 1)).toEqual([]);
    // One attempt each in the log: no message was sent twice.
    const log = await t.registry.db.selectFrom('webhook_attempts').select('event_id').where('tenant_id', '=', tenant.id).execute();
    expect(log).toHaveLength(120);
  });
});
