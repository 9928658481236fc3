/** GET /metrics: who may read it, and that the series Roster promises are there, labelled by route template. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { startMetricsServer } from '../../../src/http/metrics.ts';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser } from '../../helpers/users.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp({ config: { metricsToken: METRICS_TOKEN } });
  tenant = await createTenant(t);
});
afterAll(() => t.close());

describe('GET /metrics', () => {
  it('refuses a caller without the admin or metrics token', async () => {
    expect((await t.call({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await t.call({ method: 'GET', url: '/metrics', headers: tenant.auth })).statusCode).toBe(401);
    expect((await t.call({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-token-at-all' } })).statusCode).toBe(
      401,
    );
  });

  it('answers the admin token and the metrics token with the Prometheus text', async () => {
    const user = await createUser(t, tenant, { email: 'metrics@example.com' });
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth })).statusCode).toBe(200);
    for (const authorization of [adminAuth().authorization, `Bearer ${METRICS_TOKEN}`]) {
      const res = await t.call({ method: 'GET', url: '/metrics', headers: { authorization } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      const text = res.body;
      // Route templates, never raw ids.
      expect(text).toMatch(/roster_http_request_duration_seconds_count\{method="GET",route="\/v1\/users\/:id",status="200"\} [1-9]/);
      expect(text).not.toContain(user.id);
      expect(text).toMatch(/roster_db_query_duration_seconds_count\{outcome="ok"\} [1-9]/);
      expect(text).toMatch(/roster_db_pool_connections\{state="in_use"\} \d+/);
      expect(text).toMatch(/roster_db_pool_connections\{state="waiting"\} \d+/);
      expect(text).toMatch(/roster_password_hash_queue\{state="waiting"\} \d+/);
      expect(text).toMatch(/roster_event_feed_head_seq [1-9]/);
      expect(text).toMatch(/roster_event_feed_head_age_seconds \d/);
      expect(text).toMatch(/roster_process_resident_memory_bytes \d+/);
      expect(text).toMatch(/roster_nodejs_eventloop_lag_seconds \d/);
    }
  });

  it('is served on a port of its own when ROSTER_METRICS_PORT is set, and not on the public one', async () => {
    const config = { ...t.config, metricsPort: 0 };
    const separate = await createTestApp({ config: { metricsPort: 0, metricsToken: METRICS_TOKEN } });
    const server = await startMetricsServer({ ...separate.registry, config }, '127.0.0.1', 0);
    try {
      expect((await separate.call({ method: 'GET', url: '/metrics', headers: adminAuth() })).statusCode).toBe(404);
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('roster_http_request_duration_seconds');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await separate.close();
    }
  });

  it('reads ROSTER_METRICS_TOKEN and ROSTER_METRICS_PORT from the environment', () => {
    const config = loadConfig({ ROSTER_METRICS_TOKEN: METRICS_TOKEN, ROSTER_METRICS_PORT: '9464' });
    expect(config.metricsToken).toBe(METRICS_TOKEN);
    expect(config.metricsPort).toBe(9464);
    expect(loadConfig({}).metricsPort).toBeNull();
    expect(() => loadConfig({ ROSTER_METRICS_TOKEN: 'short' })).toThrow(/ROSTER_METRICS_TOKEN/);
  });
});
