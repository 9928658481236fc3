/**
 * The console in a real browser: Debian's Chromium driven by playwright-core against the real app listening on a
 * port (on PostgreSQL when the run is), the SPA as built by Vite. One flow, in order, like an operator's session.
 * axe-core checks every screen; screenshots of the main ones go to docs/console/.
 */
import { get } from 'node:http';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { platformContext } from '../../src/core/context.ts';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../helpers/app.ts';
import { type Browser, expectAccessible as expectPageAccessible, launchChromium, SHOTS, screenshotFailure } from '../helpers/browser.ts';

const ctxOf = (tenantId: string) => platformContext(tenantId, { actor: 'admin', requestId: null });

const PASSWORD = 'correct horse battery staple';
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

let t: TestApp;
let base: string;
let context: BrowserContext;
let page: Page;
let browser: Browser;

beforeAll(async () => {
  t = await createTestApp({ console: true });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium('console-chromium');
  ({ context, page } = browser);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

// A failed step leaves what the browser showed, for the one reading the failure.
afterEach((ctx) => screenshotFailure(page, 'console', ctx.task));

/** Zero serious or critical axe violations on the page as it is now. */
const expectAccessible = (name: string) => expectPageAccessible(page, name);

/** The bytes on the wire of a GET (fetch would decompress them), and their content-encoding. */
function request(url: string, headers: Record<string, string>): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }));
    }).on('error', reject);
  });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** A request from the page itself (same origin, the session cookie), as a script on the page would send it. */
function fromPage(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<number> {
  return page.evaluate(
    async ({ method, path, headers, body }) => {
      const res = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return res.status;
    },
    { method, path, headers, body },
  );
}

const tenantSlug = `acme-${run}`;
const otherSlug = `other-${run}`;
let tenantId = '';
let apiKey = '';
let userId = '';

describe('the console in Chromium', () => {
  it('serves the SPA with a strict CSP, frame denial and long-cached hashed assets', async () => {
    const response = await page.goto(`${base}/console/`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['cache-control']).toBe('no-cache');
    const script = await page.locator('script[type=module]').getAttribute('src');
    const asset = await fetch(`${base}${script}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // The budget: what a first visit transfers (the entry script, the chunks it preloads and the stylesheet, served
    // gzipped), under 300 KB.
    const css = await page.locator('link[rel=stylesheet]').getAttribute('href');
    const preloaded = await page.locator('link[rel=modulepreload]').evaluateAll((links) => links.map((l) => l.getAttribute('href')));
    const sizes = await Promise.all(
      [script, css, ...preloaded].map(async (path) => {
        const res = await request(`${base}${path}`, { 'accept-encoding': 'gzip' });
        expect(res.encoding).toBe('gzip');
        return res.bytes;
      }),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(300 * 1024);
    await page.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
  });

  it('signs in with the admin token the first time', async () => {
    await expectAccessible('sign-in');
    await shot('sign-in');
    await page.getByRole('button', { name: 'Use the admin token' }).click();
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'roster_console');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
  });

  it('creates a tenant', async () => {
    await page.getByLabel('Slug').fill(tenantSlug);
    await page.getByLabel('Name', { exact: true }).fill('Acme Media');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('cell', { name: tenantSlug }).waitFor();
    await expectAccessible('tenants');
    await shot('tenants');
    const tenants = await t.registry.tenants.resolveTenant(tenantSlug);
    tenantId = tenants.id;
  });

  it('creates an API key and shows its secret once', async () => {
    await page.getByRole('link', { name: 'API keys of Acme Media' }).click();
    await page.getByRole('heading', { name: /API keys/ }).waitFor();
    await page.getByLabel('Name').fill('backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    apiKey = (await page.getByTestId('key-secret').textContent()) ?? '';
    expect(apiKey.length).toBeGreaterThan(20);
    await page.getByRole('cell', { name: 'backend', exact: true }).waitFor();
    await expectAccessible('keys');
    await shot('api-keys');
    const me = await fetch(`${base}/v1/users?limit=1`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(me.status).toBe(200);
  });

  it('creates a user and finds it by typing part of the name', async () => {
    // The page's Link preload of the first page is the very request the list makes: one request, not two.
    const firstPages: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes(`/console/api/tenants/${tenantId}/users?`)) firstPages.push(new URL(request.url()).search);
    };
    page.on('request', onRequest);
    await page.goto(`${base}/console/tenants/${tenantId}/users`);
    await page.locator('[aria-busy=false] > [data-testid=users-table]').waitFor();
    page.off('request', onRequest);
    expect(firstPages).toEqual(['?limit=25']);
    await page.getByLabel('Email').fill(`zelda-${run}@example.com`);
    await page.getByLabel('Name', { exact: true }).fill('Zelda Quux');
    await page.getByRole('button', { name: 'Create user' }).click();
    // The form resets when the first create answers: wait for it, or the reset may wipe the second user's fields.
    await page.getByRole('link', { name: 'Zelda Quux' }).waitFor();
    // A second user, so the search has something to leave out.
    await page.getByLabel('Email').fill(`link-${run}@example.com`);
    await page.getByLabel('Name', { exact: true }).fill('Link Hyrule');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('link', { name: 'Link Hyrule' }).waitFor();
    await page.getByLabel('Search').pressSequentially('Zel', { delay: 50 });
    await page.getByRole('link', { name: 'Link Hyrule' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Zelda Quux' }).waitFor();
    await page.getByRole('button', { name: 'Count matches' }).click();
    await expect.poll(() => page.getByTestId('users-count').textContent()).toBe('1 users match');
    await expectAccessible('users');
    await shot('users');
  });

  it('edits with a concurrent API change: the conflict is shown, then reapplied', async () => {
    await page.getByRole('link', { name: 'Zelda Quux' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    userId = page.url().split('/').at(-1) ?? '';
    await page.getByLabel('Name', { exact: true }).fill('Zelda Console');
    // Meanwhile, an integration changes the user through the API.
    const changed = await fetch(`${base}/v1/users/${userId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lastName: 'FromApi' }),
    });
    expect(changed.status).toBe(200);
    await page.getByRole('button', { name: 'Save profile' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed this user' });
    await conflict.waitFor();
    await expect.poll(() => page.getByTestId('conflict-lastName').textContent()).toContain('FromApi');
    await expectAccessible('conflict');
    await shot('user-conflict');
    await page.getByRole('button', { name: 'Reapply my changes' }).click();
    await conflict.waitFor({ state: 'detached' });
    const user = await (await fetch(`${base}/v1/users/${userId}`, { headers: { authorization: `Bearer ${apiKey}` } })).json();
    expect(user.name).toBe('Zelda Console');
    expect(user.lastName).toBe('FromApi');
  });

  it('revokes a live session', async () => {
    const issued = await fetch(`${base}/v1/users/${userId}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userAgent: 'BrowserTest/1.0' }),
    });
    expect(issued.status).toBe(201);
    await page.reload();
    const sessions = page.getByTestId('sessions');
    await sessions.getByText('BrowserTest/1.0').waitFor();
    await sessions.getByRole('button', { name: /Revoke session/ }).click();
    await page.getByText('No live session.').waitFor();
    const live = await (await fetch(`${base}/v1/users/${userId}/sessions`, { headers: { authorization: `Bearer ${apiKey}` } })).json();
    expect(live.data).toEqual([]);
  });

  it('deactivates the user and shows the event with the operator as actor', async () => {
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.getByTestId('user-status').textContent()).toBe('deactivated');
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('user.deactivated').waitFor();
    await expect.poll(() => timeline.locator('li').first().textContent()).toContain('by admin');
    await expectAccessible('user');
    await shot('user-detail');
  });

  it('edits the tenant’s settings and adds a brand', async () => {
    await page.goto(`${base}/console/tenants/${tenantId}/settings`);
    await page.getByLabel('Default country').fill('AR');
    await page.getByLabel('Sessions per user (blank: unlimited)').fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByLabel('Brand slug').fill('daily');
    await page.getByLabel('Brand name').fill('Daily News');
    await page.getByRole('button', { name: 'Add brand' }).click();
    await page.getByText('Daily News').waitFor();
    await expectAccessible('settings');
    const tenant = await t.registry.tenants.getTenant(tenantId);
    expect(tenant.defaultCountry).toBe('AR');
    expect(tenant.sessionsLimit).toBe(3);
  });

  it('shows the tenant’s event feed, newest first, filtered by type', async () => {
    await page.goto(`${base}/console/tenants/${tenantId}/events`);
    const feed = page.getByTestId('feed');
    await expect.poll(() => feed.locator(':scope > li').first().textContent()).toContain('tenant.brand_created');
    await page.getByLabel('Type').fill('user.deactivated');
    await expect.poll(() => feed.locator(':scope > li').count()).toBe(1);
    await expectAccessible('events');
    await shot('events');
  });

  it('defines a custom attribute and a role, edits them, a brand and a plan on the user, and filters by the attribute', async () => {
    await page.goto(`${base}/console/tenants/${tenantId}/directory`);
    await page.getByLabel('Attribute name').fill('tier');
    await page.getByLabel('Searchable').check();
    await page.getByRole('button', { name: 'Define attribute' }).click();
    await page.getByRole('cell', { name: 'tier', exact: true }).waitFor();
    await page.getByLabel('Role name').fill('editor');
    await page.getByRole('button', { name: 'Define role' }).click();
    await page.getByText('editor', { exact: true }).waitFor();
    await page.getByLabel('Plan name').fill('Gold');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await page.getByText('Gold', { exact: false }).first().waitFor();
    await expectAccessible('directory');
    await page.goto(`${base}/console/tenants/${tenantId}/users/${userId}`);
    await page.getByLabel('tier (string)').fill('gold');
    // The attributes' answer resets the profile form to the saved user: let it land before typing into that form.
    const saved = page.waitForResponse((r) => r.request().method() !== 'GET' && r.url().includes(`/users/${userId}`));
    await page.getByRole('button', { name: 'Save attributes' }).click();
    await (await saved).finished();
    await page.waitForLoadState('networkidle');
    await page.getByLabel('Roles (comma-separated)').fill('editor');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(async () => (await t.registry.usersQuery.getUser(ctxOf(tenantId), userId)).roles).toEqual(['editor']);
    expect((await t.registry.usersQuery.getUser(ctxOf(tenantId), userId)).attributes).toEqual({ tier: 'gold' });
    await page.getByLabel('Join a brand').selectOption('daily');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByTestId('user-brands').getByText('daily').waitFor();
    expect((await t.registry.usersQuery.getUser(ctxOf(tenantId), userId)).brands.map((b) => b.slug)).toEqual(['daily']);
    await page.getByLabel('Assign a plan').selectOption({ label: 'Gold' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    const plans = page.getByTestId('user-plans');
    await plans.getByText(/Gold .* active/).waitFor();
    await plans.getByRole('button', { name: 'End Gold' }).click();
    await plans.getByText(/Gold .* ended/).waitFor();
    const assigned = await t.registry.userPlans.listAssignments(ctxOf(tenantId), userId);
    expect(assigned.map((a) => [a.plan.name, a.active, a.endedAt !== null])).toEqual([['Gold', false, true]]);
    await page.goto(`${base}/console/tenants/${tenantId}/users`);
    await page.getByLabel('Attribute').fill('tier=gold');
    await page.getByRole('link', { name: 'Link Hyrule' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Zelda Console' }).waitFor();
  });

  it('keeps a tenant operator to its tenant', async () => {
    const other = await t.call({
      method: 'POST',
      url: '/v1/admin/tenants',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { slug: otherSlug, name: 'Other Co' },
    });
    expect(other.statusCode).toBe(201);
    await page.getByRole('link', { name: 'Operators' }).click();
    await page.getByRole('heading', { name: 'Operators' }).waitFor();
    await page.getByLabel('Email').fill(`op-${run}@example.com`);
    await page.getByLabel('Name').fill('Tess Tenant');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Role').selectOption('tenant');
    await page.getByLabel('Tenant', { exact: true }).selectOption(tenantId);
    await page.getByRole('button', { name: 'Create operator' }).click();
    await page.getByRole('cell', { name: `op-${run}@example.com`, exact: true }).waitFor();
    await expectAccessible('operators');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Signing out refetches the session, which may mount the sign-in form again: type once that has settled.
    await page.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.getByLabel('Email').fill(`op-${run}@example.com`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByRole('cell', { name: tenantSlug }).waitFor();
    expect(await page.getByRole('cell', { name: otherSlug }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Operators' }).count()).toBe(0);
    expect(await fromPage('GET', `/console/api/tenants/${other.json().id}/users`)).toBe(404);
    expect(await fromPage('GET', `/console/api/tenants/${tenantId}/users`)).toBe(200);
    // Two sign-ins and an operator created, a dozen steps: more than 30 s when other sessions load both cores.
  }, 90_000);

  it('refuses a state-changing request without the CSRF token', async () => {
    expect(await fromPage('POST', `/console/api/tenants/${tenantId}/users/${userId}/reactivate`, {}, {})).toBe(403);
    const user = await (await fetch(`${base}/v1/users/${userId}`, { headers: { authorization: `Bearer ${apiKey}` } })).json();
    expect(user.status).toBe('deactivated');
  });

  it('signs out, and the cookie no longer works', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'roster_console');
    expect(cookie).toBeDefined();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
    await page.waitForLoadState('networkidle');
    const replayed = await fetch(`${base}/console/api/session`, { headers: { cookie: `roster_console=${cookie?.value}` } });
    expect(replayed.status).toBe(401);
  });

  it('works at 390×844', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('Email').fill(`op-${run}@example.com`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${base}/console/tenants/${tenantId}/users`);
    await page.getByRole('link', { name: 'Link Hyrule' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible('users-mobile');
    await shot('users-mobile');
  });
});
