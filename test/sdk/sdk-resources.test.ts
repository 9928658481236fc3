import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRosterError, Roster, verifyWebhook } from '../../packages/sdk/src/index.ts';
import { loadConfig } from '../../src/config.ts';
import { startWebhookWorker, type Worker } from '../../src/workers/webhook-worker.ts';
import { createTenant, createTestApp, type TestApp } from '../helpers/app.ts';
import { runImports } from '../helpers/imports.ts';

let t: TestApp;
let roster: Roster;
let worker: Worker;
let receiver: Server;
let receiverUrl: string;
const received: { body: string; headers: Record<string, string> }[] = [];
const tag = Date.now().toString(36);

beforeAll(async () => {
  // The receiver is a local http server: this app allows http and private addresses.
  t = await createTestApp({
    ownSchema: true,
    config: { allowPrivateUpstreams: true, webhooks: { ...loadConfig({}).webhooks, allowHttp: true } },
  });
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const tenant = await createTenant(t);
  roster = new Roster({ baseUrl: url, apiKey: tenant.key, retryBaseMs: 1 });
  worker = startWebhookWorker(t.registry, { idleMs: 50 });
  receiver = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ body, headers: req.headers as Record<string, string> });
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
}, 240_000);
afterAll(async () => {
  await worker?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await t?.close();
}, 240_000);

describe('groups', () => {
  it('creates, lists, changes members, and answers GROUP_NOT_FOUND typed', async () => {
    const ada = await roster.users.create({ email: `g-ada-${tag}@example.com` });
    const bo = await roster.users.create({ email: `g-bo-${tag}@example.com` });
    const group = await roster.groups.create({ displayName: `Eng ${tag}`, members: [ada.id] });
    expect((await roster.groups.get(group.id)).displayName).toBe(`Eng ${tag}`);
    expect((await roster.groups.list({ limit: 1 }).toArray()).map((g) => g.id)).toContain(group.id);
    await roster.groups.addMember(group.id, bo.id);
    expect((await roster.groups.members(group.id, { limit: 1 }).toArray()).map((m) => m.userId).sort()).toEqual([ada.id, bo.id].sort());
    await roster.groups.update(group.id, { removeMembers: [ada.id] });
    await roster.groups.removeMember(group.id, bo.id);
    expect(await roster.groups.members(group.id).toArray()).toEqual([]);
    await roster.groups.addMember(group.id, bo.id);
    expect((await roster.groups.ofUser(bo.id)).data.map((m) => m.group.id)).toEqual([group.id]);
    await roster.groups.delete(group.id);
    const gone = await roster.groups.get(group.id).catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 404 });
    expect(isRosterError(gone)).toBe(true);
  });
});

describe('webhooks', () => {
  it('registers an endpoint whose signed deliveries verify with its secret; lists deliveries; replays', async () => {
    const endpoint = await roster.webhooks.create({ url: receiverUrl, eventTypes: ['user.created'] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await roster.webhooks.list()).map((w) => w.id)).toContain(endpoint.id);
    const user = await roster.users.create({ email: `wh-${tag}@example.com` });
    const deadline = Date.now() + 30_000;
    const delivered = () => received.find((r) => r.body.includes(user.id));
    while (!delivered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const hit = delivered();
    expect(hit).toBeDefined();
    const payload = (await verifyWebhook(hit?.body ?? '', hit?.headers ?? {}, endpoint.secret)) as { type: string };
    expect(payload.type).toBe('user.created');
    await expect(verifyWebhook(hit?.body ?? '', hit?.headers ?? {}, `whsec_${btoa('x'.repeat(32))}`)).rejects.toThrow();

    const deliveries = await roster.webhooks.deliveries(endpoint.id, { limit: 1 }).toArray();
    expect(deliveries.some((d) => d.statusCode === 200)).toBe(true);
    const before = received.filter((r) => r.body.includes(user.id)).length;
    await roster.webhooks.replay(endpoint.id, { since: new Date(Date.now() - 60_000).toISOString() });
    while (received.filter((r) => r.body.includes(user.id)).length === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(received.filter((r) => r.body.includes(user.id)).length).toBeGreaterThan(before);

    const rotated = await roster.webhooks.rotateSecret(endpoint.id);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect((await roster.webhooks.update(endpoint.id, { enabled: false })).enabled).toBe(false);
    await roster.webhooks.delete(endpoint.id);
    expect(await roster.webhooks.get(endpoint.id).catch((e: unknown) => (e as { status: number }).status)).toBe(404);
  }, 60_000);
});

describe('imports and exports', () => {
  it('starts a job from text and from a stream, polls it to the end, reports bad rows, exports the users', async () => {
    const rows = [{ email: `imp-1-${tag}@example.com` }, { email: 'not an email' }, { email: `imp-2-${tag}@example.com` }];
    const job = await roster.imports.start(rows.map((r) => JSON.stringify(r)).join('\n'));
    expect(job.status).toBe('queued');
    await runImports(t);
    const done = await roster.imports.wait(job.id, { intervalMs: 20 });
    expect(done).toMatchObject({ status: 'succeeded', created: 2, failed: 1 });
    const errors = await roster.imports.errors(job.id).toArray();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 2, field: 'email' });
    expect((await roster.imports.list().toArray()).map((j) => j.id)).toContain(job.id);

    const csv = `email,firstName\nimp-3-${tag}@example.com,Cy\n`;
    const stream = new Blob([csv]).stream();
    const streamed = await roster.imports.start(stream, { format: 'csv' });
    await runImports(t);
    expect(await roster.imports.wait(streamed.id, { intervalMs: 20 })).toMatchObject({ status: 'succeeded', created: 1 });

    const exported: string[] = [];
    for await (const user of roster.exports.users({ q: `imp-` })) exported.push(user.email ?? '');
    for (const n of [1, 2, 3]) expect(exported).toContain(`imp-${n}-${tag}@example.com`);
    const bad = await roster.imports.start('x', { format: 'csv', onError: 'explode' as never }).catch((e: unknown) => e);
    expect(isRosterError(bad, 'INVALID_PARAMETER')).toBe(true);
  }, 60_000);
});
