import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createWebhookDelivery, type WebhookDelivery } from '../../../src/modules/webhooks/webhook-delivery.service.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { type Stub, sendJson, startStub } from '../../helpers/upstream.ts';

/**
 * The address guard on webhooks: a canary on 127.0.0.1 counts every request it gets. Private targets are refused
 * when configured, and refused again at delivery (for endpoints stored while private addresses were allowed, and
 * names that resolve to a private address); a redirect to the canary is never followed.
 */
let strict: TestApp;
let lenient: TestApp;
let canary: Stub;
let redirector: Stub;

beforeAll(async () => {
  const webhooks = { ...loadConfig({}).webhooks, allowHttp: true };
  strict = await createTestApp({ ownSchema: true, config: { allowPrivateUpstreams: false, webhooks } });
  lenient = await createTestApp({ ownSchema: true, config: { allowPrivateUpstreams: true, webhooks } });
  canary = await startStub((_req, res) => sendJson(res, 200, { hit: true }));
  redirector = await startStub((_req, res) => {
    res.writeHead(307, { location: `${canary.url}/after-redirect` });
    res.end();
  });
});
afterAll(async () => {
  await canary.close();
  await redirector.close();
  await strict.close();
  await lenient.close();
});

const canaryPort = () => new URL(canary.url).port;

async function create(t: TestApp, tenant: TestTenant, url: string) {
  return t.call({ method: 'POST', url: '/v1/webhooks', headers: tenant.auth, payload: { url, eventTypes: ['user.created'] } });
}

async function rounds(delivery: WebhookDelivery): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const read = await delivery.fanOut();
    const sent = await delivery.deliverDue('guard-test');
    if (read === 0 && sent === 0 && i > 5) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhook address guard', () => {
  it('refuses loopback, private, link-local and localhost URLs at configuration (and http unless allowed)', async () => {
    const tenant = await createTenant(strict);
    for (const url of [
      `http://127.0.0.1:${canaryPort()}/x`,
      'http://10.0.0.1/x',
      'http://169.254.169.254/latest/meta-data',
      `http://localhost:${canaryPort()}/x`,
      'http://[::1]/x',
      'http://100.64.0.1/x',
    ]) {
      const res = await create(strict, tenant, url);
      expect(res.statusCode, url).toBe(422);
      expect(res.json().errors[0]).toMatchObject({ field: 'url', code: 'url_not_allowed' });
    }
    const httpsOnly = await createTestApp({ ownSchema: true, config: { allowPrivateUpstreams: false } });
    const res = await create(httpsOnly, await createTenant(httpsOnly), 'http://example.com/hook');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].message).toContain('https');
    await httpsOnly.close();
    expect(canary.requests).toHaveLength(0);
  });

  it('never connects to a private address at delivery: literal addresses, a name resolving to loopback, a redirect', async () => {
    const tenant = await createTenant(lenient);
    const targets = [
      `http://127.0.0.1:${canaryPort()}/literal`,
      'http://10.0.0.1/private',
      'http://169.254.169.254/latest/meta-data',
      // A name, checked only once it is resolved: localhost is 127.0.0.1 in /etc/hosts.
      `http://localhost:${canaryPort()}/by-name`,
    ];
    const ids: string[] = [];
    for (const url of targets) {
      const res = await create(lenient, tenant, url);
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    const strictDelivery = createWebhookDelivery({
      db: strict.registry.db,
      clock: strict.registry.clock,
      ids: strict.registry.ids,
      events: strict.registry.events,
      secretBox: strict.registry.secretKeys.box,
      allowPrivate: false,
    });
    expect(
      (await lenient.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'canary@example.com' } })).statusCode,
    ).toBe(201);
    await rounds(strictDelivery);
    expect(canary.requests).toHaveLength(0);
    for (const id of ids) {
      const log = (await lenient.call({ method: 'GET', url: `/v1/webhooks/${id}/deliveries`, headers: tenant.auth })).json();
      expect(log.data.length, id).toBeGreaterThan(0);
      expect(log.data.map((d: { errorKind: string }) => d.errorKind)).toEqual(log.data.map(() => 'blocked_address'));
    }

    // A redirect, even where private addresses are allowed, is not followed.
    const other = await createTenant(lenient);
    const redirecting = (await create(lenient, other, `${redirector.url}/hook`)).json();
    await lenient.call({ method: 'POST', url: '/v1/users', headers: other.auth, payload: { email: 'redirect@example.com' } });
    await rounds(lenient.registry.webhookDelivery);
    expect(redirector.requests.length).toBeGreaterThan(0);
    expect(canary.requests).toHaveLength(0);
    const log = (await lenient.call({ method: 'GET', url: `/v1/webhooks/${redirecting.id}/deliveries`, headers: other.auth })).json();
    expect(log.data[0]).toMatchObject({ statusCode: 307, errorKind: 'redirect' });
  });
});
