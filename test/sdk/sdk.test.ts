import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRosterError, Roster, RosterAdmin, type RosterError, signWebhook, verifyWebhook } from '../../packages/sdk/src/index.ts';
import { verifyAccessToken } from '../../packages/sdk/src/tokens.ts';
import { ADMIN_TOKEN } from '../helpers/app.ts';
import { type FaultProxy, type LiveRoster, startFaultProxy, startRoster } from './server.ts';

let live: LiveRoster;
let proxy: FaultProxy;
let roster: Roster;
const email = (name: string) => `${name}-${Date.now().toString(36)}@example.com`;

beforeAll(async () => {
  live = await startRoster();
  proxy = await startFaultProxy(live.url);
  roster = new Roster({ baseUrl: live.url, apiKey: live.tenant.key, retryBaseMs: 1 });
}, 240_000);
afterAll(async () => {
  await proxy?.close();
  await live?.close();
}, 240_000);

describe('users', () => {
  it('find-or-create finds on the second call; get, lookup, update with ifMatch', async () => {
    const address = email('ada');
    const first = await roster.users.findOrCreate({ email: address, firstName: 'Ada' });
    expect(first.created).toBe(true);
    const again = await roster.users.findOrCreate({ email: address });
    expect(again).toMatchObject({ created: false, user: { id: first.user.id } });

    const user = await roster.users.get(first.user.id);
    expect(user.email).toBe(address);
    expect(await roster.users.lookup({ email: address })).toMatchObject({ id: user.id });

    const updated = await roster.users.update(user.id, { city: 'London' }, { ifMatch: user.version });
    expect(updated).toMatchObject({ city: 'London', version: user.version + 1 });
    const stale = await roster.users.update(user.id, { city: 'Paris' }, { ifMatch: user.version }).catch((e: unknown) => e);
    expect(isRosterError(stale, 'PRECONDITION_FAILED')).toBe(true);
    expect((stale as RosterError).status).toBe(412);
  });

  it('lists every user across pages with for await', async () => {
    const tag = Date.now().toString(36);
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await roster.users.create({ email: `page-${tag}-${i}@example.com` })).id);
    const pages: number[] = [];
    for await (const page of roster.users.list({ limit: 2 }).pages()) pages.push(page.data.length);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const seen = new Set<string>();
    for await (const user of roster.users.list({ limit: 2 })) seen.add(user.id);
    for (const id of ids) expect(seen.has(id)).toBe(true);
  });

  it('deactivates, reactivates and logs out', async () => {
    const user = await roster.users.create({ email: email('cy') });
    expect((await roster.users.deactivate(user.id)).status).toBe('deactivated');
    expect((await roster.users.reactivate(user.id)).status).toBe('active');
    await roster.sessions.issue(user.id);
    expect(await roster.users.logout(user.id)).toEqual({ revoked: 1 });
  });

  it('errors are typed: code, status, field errors, request id', async () => {
    const address = email('dup');
    await roster.users.create({ email: address });
    const error = await roster.users.create({ email: address }).catch((e: unknown) => e);
    expect(isRosterError(error, 'USER_EMAIL_TAKEN')).toBe(true);
    expect(isRosterError(error, 'USER_NOT_FOUND')).toBe(false);
    expect(error).toMatchObject({ status: 409, code: 'USER_EMAIL_TAKEN' });
    expect((error as RosterError).requestId).toBeTruthy();
    const invalid = await roster.users.create({ email: 'not-an-email' }).catch((e: unknown) => e);
    expect(isRosterError(invalid, 'VALIDATION_FAILED')).toBe(true);
    expect((invalid as RosterError).errors[0]?.field).toBe('email');
    const missing = await roster.users.get('00000000-0000-7000-8000-000000000000').catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'USER_NOT_FOUND', status: 404 });
  });
});

describe('sessions and access tokens', () => {
  it('signs in, refreshes, introspects, and the access token verifies against the JWKS', async () => {
    const address = email('sig');
    await roster.users.create({ email: address, password: 'correct horse battery staple' });
    const tokens = await roster.sessions.signIn({ email: address, password: 'correct horse battery staple' });
    expect(tokens.accessToken).toBeTruthy();
    const claims = await verifyAccessToken(tokens.accessToken, { baseUrl: live.url });
    expect(claims.sub).toBeTruthy();
    const refreshed = await roster.sessions.refresh(tokens.refreshToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect((await roster.sessions.introspect(refreshed.accessToken)).active).toBe(true);
    const wrong = await roster.sessions.signIn({ email: address, password: 'wrong password here' }).catch((e: unknown) => e);
    expect(isRosterError(wrong, 'INVALID_CREDENTIALS')).toBe(true);
    await expect(verifyAccessToken(`${tokens.accessToken.slice(0, -4)}AAAA`, { baseUrl: live.url })).rejects.toThrow();
  });
});

describe('events.follow', () => {
  it('yields past events, then new ones as they come, until aborted', async () => {
    const controller = new AbortController();
    const seen: { type: string; userId: string | null }[] = [];
    let lateId: string | undefined;
    const following = (async () => {
      for await (const event of roster.events.follow({ intervalMs: 50, signal: controller.signal })) {
        seen.push(event);
        if (lateId && event.userId === lateId) controller.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pastCount = seen.length;
    lateId = (await roster.users.create({ email: email('late') })).id;
    const deadline = Date.now() + 20_000;
    while (!seen.some((event) => event.userId === lateId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await following;
    expect(pastCount).toBeGreaterThan(0);
    expect(seen.some((event) => event.type === 'user.created' && event.userId === lateId)).toBe(true);
  });
});

describe('companies, plans, roles', () => {
  it('creates, gets and lists each', async () => {
    const company = await roster.companies.create({ externalId: `acme-${Date.now()}`, name: 'Acme' });
    expect((await roster.companies.get(company.id)).name).toBe('Acme');
    expect((await roster.companies.list().toArray()).map((c) => c.id)).toContain(company.id);
    const plan = await roster.plans.create({ name: 'Gold' });
    expect((await roster.plans.get(plan.id)).name).toBe('Gold');
    expect((await roster.plans.list().toArray()).map((p) => p.id)).toContain(plan.id);
    await roster.roles.create({ name: 'editor' });
    expect((await roster.roles.list()).map((r) => r.name)).toContain('editor');
    await roster.roles.delete('editor');
    const builtIn = await roster.roles.delete('admin').catch((e: unknown) => e);
    expect(isRosterError(builtIn, 'ROLE_BUILT_IN')).toBe(true);
  });
});

describe('RosterAdmin', () => {
  it('creates a tenant and a key that a Roster client then uses', async () => {
    const admin = new RosterAdmin({ baseUrl: live.url, adminToken: ADMIN_TOKEN });
    const slug = `sdk-${Date.now().toString(36)}`;
    const tenant = await admin.tenants.create({ slug, name: 'SDK tenant' });
    expect((await admin.tenants.get(tenant.id)).slug).toBe(slug);
    const key = await admin.keys.create(tenant.id, { name: 'sdk' });
    const other = new Roster({ baseUrl: live.url, apiKey: key.secret });
    expect((await other.users.create({ email: 'admin-made@example.com' })).email).toBe('admin-made@example.com');
    const bad = new RosterAdmin({ baseUrl: live.url, adminToken: 'wrong-token-wrong-token-wrong-token' });
    expect(await bad.tenants.get(tenant.id).catch((e: unknown) => (e as RosterError).code)).toBe('ADMIN_TOKEN_INVALID');
  });
});

describe('retries and idempotency', () => {
  it('retries a GET through injected 503s and a 429', async () => {
    const client = new Roster({ baseUrl: proxy.url, apiKey: live.tenant.key, retryBaseMs: 1, maxRetries: 3 });
    const user = await roster.users.create({ email: email('retry') });
    proxy.failNext(2);
    expect((await client.users.get(user.id)).id).toBe(user.id);
    proxy.failNext(1, 429);
    expect((await client.users.get(user.id)).id).toBe(user.id);
  });

  it('gives up after maxRetries with the last error', async () => {
    const client = new Roster({ baseUrl: proxy.url, apiKey: live.tenant.key, retryBaseMs: 1, maxRetries: 1 });
    proxy.failNext(2);
    const before = proxy.seen.length;
    const error = await client.roles.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(proxy.seen.length - before).toBe(2);
  });

  it('retries a POST with its Idempotency-Key: one user, not two', async () => {
    const client = new Roster({ baseUrl: proxy.url, apiKey: live.tenant.key, retryBaseMs: 1 });
    const address = email('once');
    proxy.failNext(1);
    const user = await client.users.create({ email: address });
    expect(user.email).toBe(address);
    expect((await roster.users.list({ email: address }).toArray()).length).toBe(1);
  });

  it('replays the answer of a repeated idempotency key', async () => {
    const key = `sdk-${Date.now()}`;
    const address = email('replay');
    const first = await roster.users.create({ email: address }, { idempotencyKey: key });
    const second = await roster.users.create({ email: address }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    const reused = await roster.users.create({ email: email('other') }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(isRosterError(reused, 'IDEMPOTENCY_KEY_REUSED')).toBe(true);
  });

  it('network errors and timeouts are RosterErrors; an aborted signal aborts', async () => {
    const dead = new Roster({ baseUrl: 'http://127.0.0.1:9', apiKey: 'x', maxRetries: 1, retryBaseMs: 1 });
    expect(await dead.roles.list().catch((e: unknown) => (e as RosterError).code)).toBe('NETWORK_ERROR');
    const slow = new Roster({ baseUrl: live.url, apiKey: live.tenant.key, timeoutMs: 1, maxRetries: 0 });
    expect(
      await slow.users
        .list()
        .toArray()
        .catch((e: unknown) => (e as RosterError).code),
    ).toBe('TIMEOUT');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(roster.roles.list({ signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('verifyWebhook', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  it('accepts a signed payload and refuses a tampered or stale one', async () => {
    const payload = JSON.stringify({ type: 'user.created', data: { id: 'u1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': await signWebhook(secret, 'msg_1', timestamp, payload),
    };
    expect(await verifyWebhook(payload, headers, secret)).toEqual({ type: 'user.created', data: { id: 'u1' } });
    const tampered = await verifyWebhook(payload.replace('u1', 'u2'), headers, secret).catch((e: unknown) => e);
    expect(isRosterError(tampered, 'WEBHOOK_SIGNATURE_INVALID')).toBe(true);
    const stale = await verifyWebhook(payload, headers, secret, { now: () => Date.now() + 3600_000 }).catch((e: unknown) => e);
    expect(isRosterError(stale, 'WEBHOOK_SIGNATURE_INVALID')).toBe(true);
  });

  it('agrees with the standardwebhooks package', async () => {
    const { Webhook } = await import('standardwebhooks');
    const payload = '{"hello":"world"}';
    const date = new Date();
    const signature = new Webhook(secret).sign('msg_2', date, payload);
    const headers = new Headers({
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
      'webhook-signature': signature,
    });
    expect(await verifyWebhook(payload, headers, secret)).toEqual({ hello: 'world' });
  });
});
