/**
 * The console's tenant screens in a real browser (groups and companies, webhooks, imports, identity providers):
 * Debian's Chromium driven by playwright-core against the real app on a port, with a real webhook receiver and a
 * real SCIM upstream on loopback, and the import and webhook workers running in this process as `npm start` runs them.
 * axe-core checks every screen; screenshots go to docs/console/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { ImportRunner } from '../../src/use-cases/run-import.ts';
import { createImportWorker } from '../../src/workers/import-worker.ts';
import { startWebhookWorker, type Worker } from '../../src/workers/webhook-worker.ts';
import { ADMIN_TOKEN, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { type Browser, expectAccessible as expectPageAccessible, launchChromium, SHOTS, screenshotFailure } from '../helpers/browser.ts';
import { SCIM_TOKEN, type Stub, sendJson, startScim, startStub } from '../helpers/upstream.ts';

const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

let t: TestApp;
let base: string;
let page: Page;
let browser: Browser;
let receiver: Stub;
let scim: Stub;
let webhookWorker: Worker;
let importWorker: ImportRunner;
let tenant: TestTenant;

beforeAll(async () => {
  // Upstreams on loopback over http: this app allows them (their guards have tests of their own).
  t = await createTestApp({
    console: true,
    ownSchema: true,
    config: { secretKey: Buffer.alloc(32, 7), allowPrivateUpstreams: true, webhooks: { ...loadConfig({}).webhooks, allowHttp: true } },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
  receiver = await startStub((_req, res) => sendJson(res, 200, { ok: true }));
  scim = await startScim([
    {
      id: 'scim-ada',
      userName: 'ada',
      name: { givenName: 'Augusta Ada', familyName: 'King' },
      emails: [{ value: `ada-${run}@example.com`, primary: true }],
      active: true,
    },
  ]);
  webhookWorker = startWebhookWorker(t.registry, { idleMs: 100 });
  importWorker = createImportWorker(t.registry, { batchSize: 2 });
  importWorker.start(100);
  tenant = await createTenant(t, { name: 'Screens Co' });
  for (const [email, name] of [
    [`grace-${run}@example.com`, 'Grace Hopper'],
    [`ada-${run}@example.com`, 'Ada Local'],
  ]) {
    const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email, name } });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  browser = await launchChromium('console-screens');
  ({ page } = browser);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await webhookWorker?.stop();
  await importWorker?.stop();
  await Promise.all([receiver?.close(), scim?.close()]);
  await t?.close();
});

// A failed step leaves what the browser showed, for the one reading the failure.
afterEach((ctx) => screenshotFailure(page, 'console-screens', ctx.task));

/** Zero serious or critical axe violations on the page as it is now. */
const expectAccessible = (name: string) => expectPageAccessible(page, name);

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });

describe('the console’s tenant screens in Chromium', () => {
  it('signs in with the admin token', async () => {
    await page.goto(`${base}/console/`);
    await page.getByRole('button', { name: 'Use the admin token' }).click();
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
  });

  it('creates a group, refuses a second one of the same name next to the field, adds and removes a member', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/users`);
    await page.getByRole('navigation', { name: 'Tenant' }).getByRole('link', { name: 'Groups & companies' }).click();
    await page.getByRole('heading', { name: 'Groups and companies' }).waitFor();
    await page.getByText('No groups yet.').waitFor();
    await page.getByLabel('Group name').fill('Editors');
    // A role the tenant has not defined: the server's error shows next to the roles field.
    await page.getByLabel('Roles (comma-separated)').fill(`undefined-role-${run}`);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('#group-roles-error').waitFor();
    await page.getByLabel('Roles (comma-separated)').fill('');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('link', { name: 'Editors' }).waitFor();
    await page.getByLabel('Group name').fill('editors');
    await page.getByRole('button', { name: 'Create group' }).click();
    const taken = page.locator('#group-name-error');
    await taken.waitFor();
    expect(await taken.textContent()).not.toBe('');
    await page.getByRole('link', { name: 'Editors' }).click();
    await page.getByRole('heading', { name: 'Group Editors' }).waitFor();
    await page.getByLabel('Add a member (email or user id)').fill(`nobody-${run}@example.com`);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('No user has this email').waitFor();
    await page.getByLabel('Add a member (email or user id)').fill(`grace-${run}@example.com`);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByTestId('members-table').getByRole('link', { name: 'Grace Hopper' }).waitFor();
    await expect.poll(() => page.getByTestId('group-summary').textContent()).toContain('1 members');
    await expectAccessible('group');
    await shot('group');
    const groups = (await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth })).json().data;
    const members = (await t.call({ method: 'GET', url: `/v1/groups/${groups[0].id}/members`, headers: tenant.auth })).json().data;
    expect(members.map((m: { user: { email: string } }) => m.user.email)).toEqual([`grace-${run}@example.com`]);
    await page.getByRole('button', { name: `Remove grace-${run}@example.com` }).click();
    await page.getByText('No members yet.').waitFor();
    const after = (await t.call({ method: 'GET', url: `/v1/groups/${groups[0].id}/members`, headers: tenant.auth })).json().data;
    expect(after).toEqual([]);
  });

  it('creates a company', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/groups`);
    await page.getByText('No companies yet.').waitFor();
    await page.getByLabel('Company name').fill('Acme Corp');
    await page.getByLabel('Domain (optional)').fill('acme.example');
    await page.getByRole('button', { name: 'Create company' }).click();
    await page.getByTestId('companies-table').getByRole('cell', { name: 'Acme Corp' }).waitFor();
    await expectAccessible('groups');
    await shot('groups-companies');
    const companies = (await t.call({ method: 'GET', url: '/v1/companies', headers: tenant.auth })).json().data;
    expect(companies.map((c: { name: string; domain: string }) => [c.name, c.domain])).toEqual([['Acme Corp', 'acme.example']]);
  });

  it('adds the user to a group and a company from the user’s page, and takes it out again', async () => {
    const grace = (await t.call({ method: 'GET', url: `/v1/users/lookup?email=grace-${run}@example.com`, headers: tenant.auth })).json();
    await page.goto(`${base}/console/tenants/${tenant.id}/users/${grace.id}`);
    await page.getByRole('heading', { name: 'Groups and companies' }).waitFor();
    await page.getByText('In no group.').waitFor();
    await page.getByLabel('Add to a group').selectOption({ label: 'Editors' });
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.getByTestId('user-groups').getByRole('link', { name: 'Editors' }).waitFor();
    await page.getByLabel('Join a company').selectOption({ label: 'Acme Corp' });
    await page.getByLabel('Role in the company (optional)').fill('employee');
    await page.getByRole('button', { name: 'Join company' }).click();
    await page.getByTestId('user-companies').getByText('Acme Corp · employee').waitFor();
    const companies = (await t.call({ method: 'GET', url: `/v1/users/${grace.id}/companies`, headers: tenant.auth })).json().data;
    expect(companies.map((m: { company: { name: string }; role: string }) => [m.company.name, m.role])).toEqual([
      ['Acme Corp', 'employee'],
    ]);
    const groups = (await t.call({ method: 'GET', url: `/v1/users/${grace.id}/groups`, headers: tenant.auth })).json().data;
    expect(groups.map((g: { group: { displayName: string } }) => g.group.displayName)).toEqual(['Editors']);
    await expectAccessible('user-memberships');
    await page.getByRole('button', { name: 'Leave group Editors' }).click();
    await page.getByText('In no group.').waitFor();
    await page.getByRole('button', { name: 'Leave company Acme Corp' }).click();
    await page.getByText('In no company.').waitFor();
    expect((await t.call({ method: 'GET', url: `/v1/users/${grace.id}/companies`, headers: tenant.auth })).json().data).toEqual([]);
  });

  it('creates a webhook endpoint (the secret shown once), sends a test event and replays it, with the delivery log', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/webhooks`);
    await page.getByText('No endpoints yet.').waitFor();
    await page.getByLabel('Endpoint URL').fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.locator('#webhook-url-error').waitFor();
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hook`);
    await page.getByLabel('Event types (blank: every event)').fill('webhook.test, user.*');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await expectAccessible('webhooks');
    await shot('webhooks');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('webhook-secret').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: `${receiver.url}/hook` }).click();
    await page.getByText('No delivery yet.').waitFor();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const results = page.getByTestId('delivery-result');
    await expect.poll(() => results.count(), { timeout: 15_000 }).toBe(1);
    expect(await results.first().textContent()).toBe('✓ 200');
    const received = receiver.requests.filter((r) => r.url === '/hook');
    expect(received.length).toBe(1);
    expect(JSON.parse(received[0]?.body ?? '{}').type).toBe('webhook.test');
    // Nothing failed: a replay of failed messages queues none; one since an hour ago queues the test event again.
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: '0 messages queued again.' }).waitFor();
    await page.getByLabel('only failed messages').uncheck();
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByLabel('Replay messages since (optional)').waitFor();
    const since = page.locator('#replay-since-error');
    await since.waitFor();
    const hourAgo = await page.evaluate(() => {
      const d = new Date(Date.now() - 3_600_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    });
    await page.getByLabel('Replay messages since (optional)').fill(hourAgo);
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: '1 messages queued again.' }).waitFor();
    await expect.poll(() => results.count(), { timeout: 15_000 }).toBe(2);
    expect(receiver.requests.filter((r) => r.url === '/hook').length).toBe(2);
    await expectAccessible('webhook');
    await shot('webhook-deliveries');
  });

  it('imports a CSV with a progress bar, the counts and the error report', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/imports`);
    await page.getByText('No import yet.').waitFor();
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByText('Choose a CSV file').first().waitFor();
    const csv = [
      'email,name',
      `imp1-${run}@example.com,Import One`,
      `imp2-${run}@example.com,Import Two`,
      'not-an-email,Broken Row',
      `imp3-${run}@example.com,Import Three`,
      `grace-${run}@example.com,Grace Imported`,
    ].join('\n');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await expect.poll(() => page.getByTestId('import-status').textContent(), { timeout: 20_000 }).toBe('succeeded');
    expect(await page.getByTestId('import-created').textContent()).toBe('3');
    expect(await page.getByTestId('import-updated').textContent()).toBe('1');
    expect(await page.getByTestId('import-failed').textContent()).toBe('1');
    const progress = page.getByRole('progressbar');
    expect(await progress.getAttribute('value')).toBe(await progress.getAttribute('max'));
    expect(await progress.getAttribute('max')).toBe('5');
    const report = page.getByTestId('import-errors');
    // Rows count from the first one after the header.
    await report.getByRole('cell', { name: '3', exact: true }).waitFor();
    expect(await report.textContent()).toContain('not-an-email');
    await expectAccessible('imports');
    await shot('imports');
    const lookup = await t.call({ method: 'GET', url: `/v1/users/lookup?email=imp3-${run}@example.com`, headers: tenant.auth });
    expect(lookup.json().name).toBe('Import Three');
  });

  it('creates and edits a SCIM identity provider, and a test lookup shows the merged view and its sources', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/providers`);
    await page.getByText('No identity provider', { exact: false }).waitFor();
    await page.getByLabel('Provider name').fill('corp-scim');
    await page.getByLabel('Type').selectOption('scim');
    await page.getByLabel('Endpoint').fill(`${scim.url}/scim/v2`);
    await page.getByLabel('Timeout (ms)').fill('50');
    await page.getByRole('button', { name: 'Create provider' }).click();
    // 50 ms is below the minimum: the server's error shows next to the field.
    await page.locator('#provider-timeout-error').waitFor();
    await page.getByLabel('Timeout (ms)').fill('1500');
    await page.getByLabel('Bearer token').fill(SCIM_TOKEN);
    await page.getByRole('button', { name: 'Create provider' }).click();
    await page.getByTestId('providers-table').getByRole('cell', { name: 'corp-scim', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Edit corp-scim' }).click();
    await page.getByRole('heading', { name: 'Edit corp-scim' }).waitFor();
    // Credentials left blank on an edit are kept (the lookup below still authenticates upstream).
    await page.getByLabel('Cache (seconds)').fill('30');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await page.getByRole('heading', { name: 'New identity provider' }).waitFor();
    const stored = (
      await t.call({
        method: 'GET',
        url: `/v1/admin/tenants/${tenant.id}/providers/corp-scim`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json();
    expect([stored.timeoutMs, stored.cacheTtlSeconds]).toEqual([1500, 30]);
    await page.getByLabel('Email to look up').fill(`ada-${run}@example.com`);
    await page.getByRole('button', { name: 'Test lookup' }).click();
    await expect.poll(() => page.getByTestId('lookup-status').textContent()).toBe('ok');
    const firstName = page.getByTestId('merged-firstName');
    expect(await firstName.textContent()).toContain('Augusta Ada');
    expect(await firstName.textContent()).toContain('provider');
    await expectAccessible('providers');
    await page.getByTestId('lookup-result').scrollIntoViewIfNeeded();
    await shot('identity-providers');
    // The lookup linked the local user to the provider's subject: the user's page shows the identity.
    const ada = (await t.call({ method: 'GET', url: `/v1/users/lookup?email=ada-${run}@example.com`, headers: tenant.auth })).json();
    await page.goto(`${base}/console/tenants/${tenant.id}/users/${ada.id}`);
    await page.getByTestId('user-identities').getByText('corp-scim (scim)').waitFor();
    expect(await page.getByTestId('user-identities').textContent()).toContain('scim-ada');
  });

  it('shows the tenant Overview: users, sign-ins, events per type and webhook deliveries as charts, live sessions as a figure', async () => {
    const password = `pw-${run}-correct-horse`;
    const email = `signer-${run}@example.com`;
    const user = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email, password } });
    expect(user.statusCode, user.body).toBe(201);
    for (const attempt of [password, `${password}-wrong`]) {
      await t.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email, password: attempt } });
    }
    // Drawn at once, without the charts' entry animation: the screenshot shows them whole.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(`${base}/console/tenants/${tenant.id}/users`);
    const nav = page.getByRole('navigation', { name: 'Tenant' });
    expect(await nav.getByRole('link').first().textContent()).toBe('Overview');
    await nav.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    for (const title of ['Users over time', 'Sign-ins per day', 'Events per type', 'Webhook deliveries']) {
      const chart = page.getByRole('region', { name: title });
      await chart.locator('svg.recharts-surface').first().waitFor();
    }
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    expect(Number(await page.getByTestId('live-sessions').textContent())).toBeGreaterThanOrEqual(1);
    const signIns = page.getByRole('region', { name: 'Sign-ins per day' });
    expect(await signIns.textContent()).toMatch(/1 failed/);
    // The numbers behind a chart, for a screen reader (and anyone who wants them).
    await signIns.getByText('Show the numbers').click();
    await signIns.getByRole('table', { name: 'Sign-ins and failed sign-ins per day' }).waitFor();
    await signIns.getByText('Show the numbers').click();
    await expectAccessible('overview');
    await shot('overview');
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    await expectAccessible('overview-dark');
    await shot('overview-dark');
    await page.emulateMedia({ colorScheme: null, reducedMotion: null });
  });

  it('rotates an endpoint’s secret (shown once, the old one signing 24 h more) and deletes another one after a confirmation', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/webhooks`);
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/spare`);
    await page.getByLabel('Event types (blank: every event)').fill('webhook.test');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const first = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('link', { name: `${receiver.url}/spare` }).click();
    await page.getByText('No delivery yet.').waitFor();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const shown = page.getByTestId('webhook-secret');
    const secret = (await shown.textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(first);
    const box = page.getByRole('status', { name: /New signing secret/ });
    expect(await box.textContent()).toContain('The old secret keeps signing next to the new one for 24 h');
    await page.getByTestId('previous-secret-until').waitFor();
    await expectAccessible('webhook-rotated');
    // The secret shown is the one that signs: a test delivery verifies with it.
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => receiver.requests.filter((r) => r.url === '/spare').length, { timeout: 15_000 }).toBe(1);
    const delivered = receiver.requests.find((r) => r.url === '/spare');
    expect(new Webhook(secret).verify(delivered?.body ?? '', delivered?.headers as Record<string, string>)).toMatchObject({
      type: 'webhook.test',
    });
    await page.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    // Shown once: the page read again has the overlap's end, not the secret.
    await page.reload();
    await page.getByTestId('previous-secret-until').waitFor();
    expect(await page.content()).not.toContain(secret);

    // Cancel leaves it; confirming deletes it and goes back to the list.
    await page.getByRole('button', { name: 'Delete endpoint…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await dialog.waitFor();
    await expectAccessible('webhook-delete-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete endpoint…' }).click();
    await dialog.getByRole('button', { name: 'Delete endpoint', exact: true }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByRole('link', { name: `${receiver.url}/hook` }).waitFor();
    expect(await page.getByRole('link', { name: `${receiver.url}/spare` }).count()).toBe(0);
    const left = (await t.call({ method: 'GET', url: '/v1/webhooks', headers: tenant.auth })).json().data;
    expect(left.map((e: { url: string }) => e.url)).toEqual([`${receiver.url}/hook`]);
  });

  it('cancels queued imports, from the job’s view and from the recent imports', async () => {
    // Without the worker the jobs stay queued until cancelled.
    await importWorker.stop();
    try {
      await page.goto(`${base}/console/tenants/${tenant.id}/imports`);
      const upload = async (name: string) => {
        const csv = `email,name\n${name}-${run}@example.com,${name}\n`;
        await page
          .getByLabel('CSV file', { exact: true })
          .setInputFiles({ name: `${name}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
        await page.getByRole('button', { name: 'Upload and import' }).click();
      };
      await upload('cancelled-one');
      await expect.poll(() => page.getByTestId('import-status').textContent()).toBe('queued');
      await page.getByRole('button', { name: 'Cancel import' }).click();
      await expect.poll(() => page.getByTestId('import-status').textContent()).toBe('cancelled');
      expect(await page.getByRole('button', { name: 'Cancel import' }).count()).toBe(0);
      await upload('cancelled-two');
      await expect.poll(() => page.getByTestId('import-status').textContent()).toBe('queued');
      const rowCancel = page.getByRole('button', { name: /^Cancel the import of / });
      await expect.poll(() => rowCancel.count()).toBe(1);
      await expectAccessible('imports-queued');
      await rowCancel.click();
      await expect.poll(() => rowCancel.count()).toBe(0);
      await expect.poll(() => page.getByTestId('import-status').textContent()).toBe('cancelled');
      const jobs = (await t.call({ method: 'GET', url: '/v1/imports', headers: tenant.auth })).json().data;
      expect(jobs.slice(0, 2).map((j: { status: string }) => j.status)).toEqual(['cancelled', 'cancelled']);
      for (const name of ['cancelled-one', 'cancelled-two']) {
        const user = await t.call({ method: 'GET', url: `/v1/users/lookup?email=${name}-${run}@example.com`, headers: tenant.auth });
        expect(user.statusCode).toBe(404);
      }
    } finally {
      importWorker.start(100);
    }
  });

  it('deletes an identity provider after a confirmation', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/providers`);
    await page.getByTestId('providers-table').getByRole('cell', { name: 'corp-scim', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete corp-scim' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete corp-scim?' });
    await dialog.waitFor();
    await expectAccessible('provider-delete-dialog');
    await dialog.getByRole('button', { name: 'Delete provider' }).click();
    await page.getByText('No identity provider', { exact: false }).waitFor();
    await dialog.waitFor({ state: 'detached' });
    const stored = await t.call({
      method: 'GET',
      url: `/v1/admin/tenants/${tenant.id}/providers/corp-scim`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(stored.statusCode).toBe(404);
  });

  it('renames a group (a change made meanwhile is refused, not overwritten), then deletes it after a confirmation', async () => {
    await page.goto(`${base}/console/tenants/${tenant.id}/groups`);
    await page.getByRole('link', { name: 'Editors' }).click();
    await page.getByRole('heading', { name: 'Group Editors' }).waitFor();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Editors');
    await page.getByLabel('Name', { exact: true }).fill('Writers');
    await page.getByLabel('External id (blank: none)').fill(`writers-${run}`);
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.getByRole('heading', { name: 'Group Writers' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Group saved.' }).waitFor();
    const [group] = (await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth })).json().data;
    expect([group.displayName, group.externalId]).toEqual(['Writers', `writers-${run}`]);
    // Someone renames it behind the page's back: the page's save is refused and the form shows theirs.
    const theirs = await t.call({
      method: 'PATCH',
      url: `/v1/groups/${group.id}`,
      headers: tenant.auth,
      payload: { displayName: 'Authors' },
    });
    expect(theirs.statusCode, theirs.body).toBe(200);
    await page.getByLabel('Name', { exact: true }).fill('Mine');
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.getByText('Someone else changed this group meanwhile').waitFor();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Authors');
    expect((await t.call({ method: 'GET', url: `/v1/groups/${group.id}`, headers: tenant.auth })).json().displayName).toBe('Authors');
    await expectAccessible('group-edit');

    await page.getByRole('button', { name: 'Delete group…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete group Authors?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete group', exact: true }).click();
    await page.getByRole('heading', { name: 'Groups and companies' }).waitFor();
    await page.getByText('No groups yet.').waitFor();
    expect((await t.call({ method: 'GET', url: '/v1/groups', headers: tenant.auth })).json().data).toEqual([]);
  });

  it('works at 390×844', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/tenants/${tenant.id}/webhooks`);
    await page.getByRole('link', { name: `${receiver.url}/hook` }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible('webhooks-mobile');
    await page.goto(`${base}/console/tenants/${tenant.id}/overview`);
    await page.getByRole('region', { name: 'Events per type' }).locator('svg.recharts-surface').waitFor();
    const chartsOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(chartsOverflow).toBeLessThanOrEqual(0);
    await expectAccessible('overview-mobile');
  });
});
