import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { fixedClock } from '../../../src/core/clock.ts';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { type Stub, sendJson, startStub } from '../../helpers/upstream.ts';

const clock = fixedClock(new Date());
let t: TestApp;
let receiver: Stub;
/**
 * What the receiver answers a request; default 200. Decided from the request itself: deliveries go out in
 * parallel, so "the last request recorded" may be another one.
 */
let answer: (req: { url: string; body: string }) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });

beforeAll(async () => {
  // The receiver is a local http server: this app allows http and private addresses (the guard has its own test).
  t = await createTestApp({
    clock,
    ownSchema: true,
    config: { allowPrivateUpstreams: true, webhooks: { ...loadConfig({}).webhooks, allowHttp: true } },
  });
  receiver = await startStub((req, res) => {
    const { status, headers } = answer({ url: req.url ?? '', body: req.body });
    sendJson(res, status, { ok: status < 300 }, headers);
  });
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

async function endpoint(tenant: TestTenant, body: Record<string, unknown> = {}) {
  const res = await t.call({
    method: 'POST',
    url: '/v1/webhooks',
    headers: tenant.auth,
    payload: { url: `${receiver.url}/hook`, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function createUser(tenant: TestTenant, email: string): Promise<string> {
  const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** True when the fan-out has read every event written so far (on PostgreSQL the horizon may lag a moment). */
async function fannedOutAll(): Promise<boolean> {
  const behind = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM events
    WHERE EXISTS (SELECT 1 FROM feed_cursors c WHERE c.name = 'webhooks' AND (events.txid, events.seq) > (c.txid, c.seq))`.execute(
    t.registry.db,
  );
  return behind.rows[0]?.n === 0;
}

/** Rounds of fan-out and delivery until every event is fanned out and nothing is due now. */
async function deliver(): Promise<void> {
  // A condition, not a time: the deadline only bounds a hang (a loaded machine makes every round slow).
  const deadline = Date.now() + 30_000;
  let idle = 0;
  while (Date.now() < deadline) {
    const read = await t.registry.webhookDelivery.fanOut();
    const sent = await t.registry.webhookDelivery.deliverDue('test-worker');
    idle = read === 0 && sent === 0 ? idle + 1 : 0;
    if (idle >= 2 && (await fannedOutAll())) return;
    if (idle > 0) await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the webhook fan-out did not catch up within 30 s');
}

/** The feed, read until it shows `count` events (the horizon may lag a moment on PostgreSQL). */
async function feedOf(tenant: TestTenant, query: string, count: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await t.call({ method: 'GET', url: `/v1/events${query}`, headers: tenant.auth });
    if (res.json().data.length >= count || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function received(eventType?: string) {
  return receiver.requests
    .map((r) => ({ headers: r.headers, body: r.body, json: JSON.parse(r.body) }))
    .filter((r) => !eventType || r.json.type === eventType);
}

describe('webhook endpoints API', () => {
  it('creates an endpoint with a whsec_ secret shown once; header values are never echoed', async () => {
    const tenant = await createTenant(t);
    const created = await endpoint(tenant, { eventTypes: ['user.*'], headers: { 'x-api-token': 'hush-123' }, description: 'crm' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ eventTypes: ['user.*'], enabled: true, headerNames: ['x-api-token'], description: 'crm', pending: 0 });
    const read = await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: tenant.auth });
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('whsec_');
    expect(read.body).not.toContain('hush-123');
    const list = await t.call({ method: 'GET', url: '/v1/webhooks', headers: tenant.auth });
    expect(list.json().data.map((e: { id: string }) => e.id)).toEqual([created.id]);
    const feed = await feedOf(tenant, '?types=webhook.*', 1);
    expect(feed.json().data.map((e: { type: string }) => e.type)).toEqual(['webhook.endpoint_created']);
    expect(feed.body).not.toContain(created.secret);
    expect(feed.body).not.toContain('hush-123');

    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      headers: tenant.auth,
      payload: { enabled: false, eventTypes: ['session.*', 'user.created'] },
    });
    expect(patched.json()).toMatchObject({ enabled: false, disabledReason: 'manual', eventTypes: ['session.*', 'user.created'] });
    const deleted = await t.call({ method: 'DELETE', url: `/v1/webhooks/${created.id}`, headers: tenant.auth });
    expect(deleted.statusCode).toBe(204);
    expectProblem(await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: tenant.auth }), 404, 'WEBHOOK_NOT_FOUND');
  });

  it('refuses bad patterns, reserved headers, and URLs with credentials', async () => {
    const tenant = await createTenant(t);
    for (const payload of [
      { url: `${receiver.url}/x`, eventTypes: ['user.**'] },
      { url: `${receiver.url}/x`, headers: { 'webhook-signature': 'forged' } },
      { url: 'http://user:pw@example.com/x' },
      { url: 'ftp://example.com/x' },
    ]) {
      const res = await t.call({ method: 'POST', url: '/v1/webhooks', headers: tenant.auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
    }
  });

  it('needs webhooks:read and webhooks:write', async () => {
    const tenant = await createTenant(t);
    const key = await createKey(t, tenant.id, { name: 'r', scopes: ['webhooks:read'] });
    const auth = { authorization: `Bearer ${key}` };
    expect((await t.call({ method: 'GET', url: '/v1/webhooks', headers: auth })).statusCode).toBe(200);
    expectProblem(
      await t.call({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: 'https://example.com/h' } }),
      403,
      'SCOPE_MISSING',
    );
  });

  it('filters the feed with types= wildcards', async () => {
    const tenant = await createTenant(t);
    await createUser(tenant, 'wild@example.com');
    const res = await feedOf(tenant, '?types=user.*,tenant.created', 2);
    expect(res.json().data.map((e: { type: string }) => e.type)).toEqual(['tenant.created', 'user.created']);
    expectProblem(await t.call({ method: 'GET', url: '/v1/events?types=user.%25', headers: tenant.auth }), 400, 'INVALID_PARAMETER');
  });
});

describe('webhook delivery', () => {
  it('delivers Standard Webhooks a receiver verifies with the standardwebhooks package, across a secret rotation', async () => {
    answer = () => ({ status: 200 });
    const tenant = await createTenant(t);
    const created = await endpoint(tenant, { eventTypes: ['user.created'], headers: { 'x-extra': 'v' } });
    const userId = await createUser(tenant, 'signed@example.com');
    await deliver();
    const [first] = received('user.created').filter((r) => r.json.data.userId === userId);
    expect(first).toBeDefined();
    expect(first.headers['x-extra']).toBe('v');
    expect(first.json).toMatchObject({ type: 'user.created', data: { userId, tenantId: tenant.id, type: 'user.created' } });
    expect(first.headers['webhook-id']).toBe(first.json.data.id);
    expect(new Webhook(created.secret).verify(first.body, first.headers as Record<string, string>)).toEqual(first.json);

    const rotated = (await t.call({ method: 'POST', url: `/v1/webhooks/${created.id}/rotate-secret`, headers: tenant.auth })).json();
    expect(rotated.secret).not.toBe(created.secret);
    const second = await createUser(tenant, 'signed2@example.com');
    await deliver();
    const after = received('user.created').find((r) => r.json.data.userId === second);
    expect(after).toBeDefined();
    const headers = after?.headers as Record<string, string>;
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    // Both the receiver that has rolled over and the one that has not accept it.
    expect(new Webhook(rotated.secret).verify(after?.body ?? '', headers)).toMatchObject({ type: 'user.created' });
    expect(new Webhook(created.secret).verify(after?.body ?? '', headers)).toMatchObject({ type: 'user.created' });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(after?.body ?? '', headers)).toThrow();
    // The delivery log holds neither secret nor the extra header's value.
    const log = await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}/deliveries`, headers: tenant.auth });
    expect(log.json().data.length).toBeGreaterThanOrEqual(2);
    expect(log.body).not.toContain(created.secret.slice(6));
    expect(JSON.stringify(log.json().data.map((d: { responseExcerpt: unknown }) => d.responseExcerpt))).not.toContain('"v"');
  });

  it('retries with backoff on the injected clock, honours Retry-After, and logs each attempt', async () => {
    const tenant = await createTenant(t);
    const created = await endpoint(tenant, { eventTypes: ['user.created'] });
    // Only this tenant's deliveries count: an earlier test's retries may fall due as the clock moves on.
    let calls = 0;
    answer = (req) => {
      if (JSON.parse(req.body).data?.tenantId !== tenant.id) return { status: 200 };
      calls++;
      if (calls === 1) return { status: 500 };
      if (calls === 2) return { status: 429, headers: { 'retry-after': '120' } };
      return { status: 200 };
    };
    await createUser(tenant, 'retry@example.com');
    await deliver();
    expect(calls).toBe(1);
    clock.advance(3_000);
    await deliver();
    expect(calls).toBe(1); // the first retry waits about 5 s (4–6 s with jitter)
    clock.advance(3_100);
    await deliver();
    expect(calls).toBe(2); // 429 Retry-After: 120
    clock.advance(100_000);
    await deliver();
    expect(calls).toBe(2);
    clock.advance(21_000);
    await deliver();
    expect(calls).toBe(3);
    const log = (await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}/deliveries`, headers: tenant.auth })).json();
    expect(log.data.map((d: { statusCode: number }) => d.statusCode)).toEqual([200, 429, 500]);
    expect(log.data.map((d: { errorKind: string | null }) => d.errorKind)).toEqual([null, 'http_status', 'http_status']);
    expect(log.data[2].nextAttemptAt).not.toBeNull();
    const view = (await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: tenant.auth })).json();
    expect(view).toMatchObject({ pending: 0, failed: 0 });
    expect(view.lastSuccessAt).not.toBeNull();
    answer = () => ({ status: 200 });
  });

  it('keeps one user’s events in feed order while an earlier one is retried; other users proceed', async () => {
    const tenant = await createTenant(t);
    await endpoint(tenant, { eventTypes: ['user.*'] });
    const slow = await createUser(tenant, 'order-a@example.com');
    let failFor: string | null = slow;
    // Only the events of `slow` fail.
    answer = (req) => ({ status: failFor && JSON.parse(req.body).data?.userId === failFor ? 500 : 200 });
    await t.call({ method: 'PATCH', url: `/v1/users/${slow}`, headers: tenant.auth, payload: { firstName: 'Later' } });
    const other = await createUser(tenant, 'order-b@example.com');
    await deliver();
    const ofSlow = () => received().filter((r) => r.json.data.userId === slow && r.json.data.tenantId === tenant.id);
    // The created event failed; the update waits behind it; the other user was delivered.
    expect(ofSlow().map((r) => r.json.type)).toEqual(['user.created']);
    expect(received('user.created').some((r) => r.json.data.userId === other)).toBe(true);
    failFor = null;
    clock.advance(7_000);
    await deliver();
    expect(ofSlow().map((r) => r.json.type)).toEqual(['user.created', 'user.created', 'user.updated']);
    answer = () => ({ status: 200 });
  });

  it('gives up after 3 days, disables after 5 days of failures (webhook.endpoint_disabled), and replays failed ones', async () => {
    const tenant = await createTenant(t);
    const created = await endpoint(tenant, { eventTypes: ['user.created'] });
    answer = () => ({ status: 503 });
    await createUser(tenant, 'doomed@example.com');
    await deliver();
    // Retries come about 12 h apart (±20 % jitter) by then: one more day makes sure one falls after the 3 days.
    for (let h = 0; h < 4 * 24; h += 6) {
      clock.advance(6 * 60 * 60 * 1000);
      await deliver();
    }
    let view = (await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: tenant.auth })).json();
    expect(view).toMatchObject({ failed: 1, pending: 0, enabled: true });

    const replay = await t.call({
      method: 'POST',
      url: `/v1/webhooks/${created.id}/replay`,
      headers: tenant.auth,
      payload: { onlyFailed: true },
    });
    expect(replay.json()).toEqual({ queued: 1 });
    // Still failing two days later: 5 days of nothing but failures disable the endpoint.
    for (let h = 0; h < 2 * 24 + 1; h += 6) {
      clock.advance(6 * 60 * 60 * 1000);
      await deliver();
    }
    view = (await t.call({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: tenant.auth })).json();
    expect(view).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const feed = (await feedOf(tenant, '?types=webhook.endpoint_disabled', 1)).json();
    expect(feed.data).toEqual([
      expect.objectContaining({ actor: 'system', data: expect.objectContaining({ endpointId: created.id, reason: 'failing' }) }),
    ]);
    answer = () => ({ status: 200 });
  });

  it('410 Gone disables at once; the test event goes only to its endpoint', async () => {
    const tenant = await createTenant(t);
    const gone = await endpoint(tenant, { url: `${receiver.url}/gone` });
    const other = await endpoint(tenant, { url: `${receiver.url}/other` });
    answer = (req) => ({ status: req.url === '/gone' ? 410 : 200 });
    const test = await t.call({ method: 'POST', url: `/v1/webhooks/${gone.id}/test`, headers: tenant.auth });
    expect(test.statusCode).toBe(202);
    await deliver();
    const tests = receiver.requests.filter(
      (r) => JSON.parse(r.body).type === 'webhook.test' && JSON.parse(r.body).data.tenantId === tenant.id,
    );
    expect(tests.map((r) => r.url)).toEqual(['/gone']);
    expect(tests[0].headers['webhook-id']).toBe(test.json().eventId);
    const view = (await t.call({ method: 'GET', url: `/v1/webhooks/${gone.id}`, headers: tenant.auth })).json();
    expect(view).toMatchObject({ enabled: false, disabledReason: 'gone' });
    expect((await t.call({ method: 'GET', url: `/v1/webhooks/${other.id}`, headers: tenant.auth })).json().enabled).toBe(true);
    answer = () => ({ status: 200 });
  });
});
