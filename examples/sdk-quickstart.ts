/**
 * The SDK against a running Roster (`npm start`): register a webhook endpoint on a receiver this script starts,
 * find-or-create a user, sign them in, verify the access token, receive and verify the signed `user.created`
 * delivery, and follow the change feed until it shows the user's events.
 *
 * The receiver listens on http://127.0.0.1, which Roster refuses as a webhook URL by default (https only, no
 * loopback or private addresses). Start the server with both allowed, for this demo only:
 *
 *   ROSTER_WEBHOOKS_ALLOW_HTTP=on ROSTER_ALLOW_PRIVATE_UPSTREAMS=on npm start
 *   roster tenants create --slug demo --name Demo && roster keys create --tenant demo --name example
 *   ROSTER_URL=http://127.0.0.1:8080 ROSTER_KEY=<the key's secret> npx tsx examples/sdk-quickstart.ts
 *
 * (A webhook worker must run: inside `npm start` by default, or `roster worker`.) Each step prints one line; the
 * script exits 0 when all went through, 1 with the reason otherwise. It imports the SDK from its source; an app
 * would `import { Roster, verifyWebhook } from '@roster/sdk'`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRosterError, Roster, verifyWebhook } from '../packages/sdk/src/index.ts';
import { verifyAccessToken } from '../packages/sdk/src/tokens.ts';

const baseUrl = process.env.ROSTER_URL ?? 'http://127.0.0.1:8080';
const apiKey = process.env.ROSTER_KEY;
if (!apiKey) throw new Error('set ROSTER_KEY to a tenant API key');
const receiverHost = process.env.RECEIVER_HOST ?? '127.0.0.1';
const roster = new Roster({ baseUrl, apiKey });

interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
}

// A webhook receiver: it keeps the raw body (the signature covers the exact bytes) and answers 204 at once.
const deliveries: Delivery[] = [];
const waiting: Array<() => void> = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
    res.writeHead(204).end();
    for (const wake of waiting.splice(0)) wake();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, receiverHost, resolve));
const receiverUrl = `http://${receiverHost}:${(receiver.address() as AddressInfo).port}/roster-webhooks`;

/** The first delivery that satisfies `match`, waiting for it up to `ms`. */
async function delivery(match: (d: Delivery) => boolean, ms: number): Promise<Delivery> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = deliveries.find(match);
    if (found) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no matching webhook delivery within ${ms} ms (${deliveries.length} received)`);
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      setTimeout(resolve, Math.min(left, 500));
    });
  }
}

const endpoint = await roster.webhooks.create({ url: receiverUrl, eventTypes: ['user.*'] });
console.log('webhook endpoint', endpoint.id, receiverUrl);
try {
  const email = `example-${Date.now()}@example.com`;
  const password = 'correct horse battery staple';
  const { created, user } = await roster.users.findOrCreate({ email, firstName: 'Ada' });
  console.log(created ? 'created' : 'found', user.id);
  await roster.users.update(user.id, { password, city: 'London' }, { ifMatch: user.version });

  try {
    await roster.users.create({ email });
  } catch (error) {
    if (isRosterError(error, 'USER_EMAIL_TAKEN')) console.log('as expected:', error.code, error.requestId);
    else throw error;
  }

  const tokens = await roster.sessions.signIn({ email, password });
  const claims = await verifyAccessToken(tokens.accessToken, { baseUrl });
  console.log('signed in; token names user', claims.sub);

  // The delivery of this user's user.created event, verified with the endpoint's secret before it is trusted.
  const hit = await delivery((d) => d.body.includes(user.id) && d.body.includes('"user.created"'), 60_000);
  const event = await verifyWebhook<{ type: string; data: { userId: string } }>(hit.body, hit.headers, endpoint.secret);
  console.log('webhook verified:', event.type, event.data.userId, hit.headers['webhook-id']);
  try {
    await verifyWebhook(hit.body.replace('user.created', 'user.deleted'), hit.headers, endpoint.secret);
    throw new Error('a tampered delivery verified');
  } catch (error) {
    if (!isRosterError(error, 'WEBHOOK_SIGNATURE_INVALID')) throw error;
    console.log('tampered delivery refused:', error.code);
  }

  // Follow the feed from the start until it has shown this user's creation and update (or 30 s have passed).
  const signal = AbortSignal.timeout(30_000);
  const seen = new Set<string>();
  for await (const change of roster.events.follow({ signal, intervalMs: 500 })) {
    if (change.userId !== user.id) continue;
    console.log('feed:', change.type, change.userId);
    seen.add(change.type);
    if (seen.has('user.created') && seen.has('user.updated')) break;
  }
  if (!seen.has('user.created')) throw new Error('the feed did not show the user.created event within 30 s');
  console.log('done');
} finally {
  await roster.webhooks.delete(endpoint.id);
  receiver.close();
  receiver.closeAllConnections();
}
