/**
 * The /docs page is set up for a self-hosted product: no SaaS buttons (toolbar with Share / Deploy / Generate MCP,
 * the "Ask AI" agent), no fonts or scripts from elsewhere, and request examples a newcomer can send as they are.
 * (Checked once in headless Chromium too: every request the page made went to the server itself; see docs/choices.md.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_PAGE, REQUEST_EXAMPLES } from '../../src/http/docs.ts';
import { adminAuth, createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** The configuration object the page hands to Scalar.createApiReference. */
function pageConfiguration(html: string): Record<string, unknown> {
  const match = /createApiReference\('#app',\s*(\{[\s\S]*?\})\)\s*<\/script>/.exec(html);
  expect(match, 'the page initializes the reference').not.toBeNull();
  return JSON.parse((match as RegExpExecArray)[1]);
}

describe('the /docs page', () => {
  it('hides the SaaS toolbar, the AI agent and the developer tools, and turns telemetry and remote fonts off', async () => {
    const res = await t.call({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    const config = pageConfiguration(res.body);
    expect(config).toMatchObject({
      url: './openapi.json',
      withDefaultFonts: false,
      telemetry: false,
      showToolbar: 'never',
      showDeveloperTools: 'never',
      agent: { disabled: true },
      defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
    });
    expect(config).not.toHaveProperty('proxyUrl');
    expect(res.body).toContain('<title>Roster API reference</title>');
  });

  it('serves the document it shows at /docs/openapi.json, the same as /openapi.json', async () => {
    const page = await t.call({ method: 'GET', url: '/docs/openapi.json' });
    expect(page.statusCode, page.body).toBe(200);
    const served = (await t.call({ method: 'GET', url: '/openapi.json' })).json() as { paths: object };
    expect(Object.keys((page.json() as { paths: object }).paths)).toEqual(Object.keys(served.paths));
  });

  it('loads its script from this server and names no other host', async () => {
    const res = await t.call({ method: 'GET', url: '/docs/' });
    const sources = [...res.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['js/scalar.js']);
    expect(res.body).not.toMatch(/https?:\/\//);
    const script = await t.call({ method: 'GET', url: '/docs/js/scalar.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);
  });

  it('gives the main request bodies an example, each one the API accepts as it is', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    for (const [key, example] of Object.entries(REQUEST_EXAMPLES)) {
      const [method, path] = key.split(' ');
      const content = doc.paths[path]?.[method]?.requestBody?.content;
      expect(content, key).toBeDefined();
      expect(content['application/json'].example, key).toEqual(example);
    }
    const tenant = await t.call({
      method: 'POST',
      url: '/v1/admin/tenants',
      headers: adminAuth(),
      payload: { ...(REQUEST_EXAMPLES['post /v1/admin/tenants'] as object), slug: `docs-${process.pid}`, hosts: [] },
    });
    expect(tenant.statusCode, tenant.body).toBe(201);
    const key = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.json().id}/keys`,
      headers: adminAuth(),
      payload: REQUEST_EXAMPLES['post /v1/admin/tenants/{id}/keys'] as object,
    });
    expect(key.statusCode, key.body).toBe(201);
    const auth = { authorization: `Bearer ${key.json().secret}` };
    for (const route of ['post /v1/users', 'post /v1/sessions', 'post /v1/plans', 'post /v1/companies']) {
      const res = await t.call({ method: 'POST', url: route.slice(5), headers: auth, payload: REQUEST_EXAMPLES[route] as object });
      expect(res.statusCode, `${route}: ${res.body}`).toBe(201);
    }
    const patch = await t.call({
      method: 'POST',
      url: '/v1/attribute-definitions',
      headers: auth,
      payload: { name: 'plan', type: 'string' },
    });
    expect(patch.statusCode, patch.body).toBe(201);
  });

  it('keeps the page configuration in one exported object', () => {
    expect(DOCS_PAGE.withDefaultFonts).toBe(false);
  });
});
