/**
 * The SDK against a running Roster (`npm start`): find-or-create a user, sign them in, verify the access token,
 * follow the change feed, and verify a webhook the way a receiver would.
 *
 *   ROSTER_URL=http://127.0.0.1:8080 ROSTER_KEY=<tenant key> npx tsx examples/sdk-quickstart.ts
 *
 * (Make a tenant and key first: `roster tenants create --slug demo --name Demo`, `roster keys create --tenant demo
 * --name example`.) Imports the SDK from its source; an app would `import { Roster } from '@roster/sdk'`.
 */
import { isRosterError, Roster, signWebhook, verifyWebhook } from '../packages/sdk/src/index.ts';
import { verifyAccessToken } from '../packages/sdk/src/tokens.ts';

const baseUrl = process.env.ROSTER_URL ?? 'http://127.0.0.1:8080';
const apiKey = process.env.ROSTER_KEY;
if (!apiKey) throw new Error('set ROSTER_KEY to a tenant API key');
const roster = new Roster({ baseUrl, apiKey });

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

// A webhook receiver: the raw body and headers of the delivery, and the endpoint's secret.
const secret = `whsec_${btoa('a-demo-secret-of-32-bytes-length')}`;
const body = JSON.stringify({ type: 'user.created', data: { id: user.id } });
const now = Math.floor(Date.now() / 1000);
const headers = { 'webhook-id': 'msg_demo', 'webhook-timestamp': String(now), 'webhook-signature': await signWebhook(secret, 'msg_demo', now, body) };
console.log('webhook verified:', await verifyWebhook(body, headers, secret));

// Follow the feed for five seconds.
const signal = AbortSignal.timeout(5000);
for await (const event of roster.events.follow({ signal, intervalMs: 1000 })) console.log(event.createdAt, event.type, event.userId);
