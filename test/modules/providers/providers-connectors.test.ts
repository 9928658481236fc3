import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../../src/core/clock.ts';
import { createAuth0Connector } from '../../../src/modules/providers/connectors/auth0.connector.ts';
import { ProviderError } from '../../../src/modules/providers/connectors/connector.ts';
import { createHttpJsonConnector } from '../../../src/modules/providers/connectors/http-json.connector.ts';
import { endpointProblem } from '../../../src/modules/providers/connectors/outbound-http.ts';
import { createScimConnector } from '../../../src/modules/providers/connectors/scim.connector.ts';
import { AUTH0_CLIENT, SCIM_TOKEN, type Stub, sendJson, startAuth0, startScim, startStub } from '../../helpers/upstream.ts';

const allow = { allowPrivate: true };
const deny = { allowPrivate: false };
const signal = () => AbortSignal.timeout(2000);

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('Auth0 connector', () => {
  let auth0: Awaited<ReturnType<typeof startAuth0>>;
  const ada = {
    user_id: 'auth0|ada1',
    email: 'ada@example.com',
    email_verified: true,
    given_name: 'Ada',
    family_name: 'Lovelace',
    phone_number: '+447700900123',
    user_metadata: { newsletter: true },
    app_metadata: { plan: 'gold' },
    blocked: false,
  };
  beforeAll(async () => {
    auth0 = await startAuth0([ada, { user_id: 'auth0|bob', email: 'bob@example.com', blocked: true }]);
  });
  afterAll(() => auth0.close());
  const connector = (clock = systemClock) => createAuth0Connector({ endpoint: auth0.url, credentials: AUTH0_CLIENT, clock, policy: allow });

  it('gets a client-credentials token once, then finds users by email and by id', async () => {
    const c = connector();
    const found = await c.findUserByEmail('ada@example.com', signal());
    expect(found).toEqual({
      subject: 'auth0|ada1',
      email: 'ada@example.com',
      emailVerified: true,
      firstName: 'Ada',
      lastName: 'Lovelace',
      name: null,
      phone: '+447700900123',
      picture: null,
      status: 'active',
      metadata: { userMetadata: { newsletter: true }, appMetadata: { plan: 'gold' } },
    });
    expect((await c.findUserById('auth0|bob', signal()))?.status).toBe('deactivated');
    expect(await c.findUserByEmail('nobody@example.com', signal())).toBeNull();
    expect(await c.findUserById('auth0|missing', signal())).toBeNull();
    const tokenCalls = auth0.requests.filter((r) => r.url === '/oauth/token');
    expect(tokenCalls).toHaveLength(1);
    expect(JSON.parse(tokenCalls[0].body)).toEqual({
      grant_type: 'client_credentials',
      client_id: AUTH0_CLIENT.clientId,
      client_secret: AUTH0_CLIENT.clientSecret,
      audience: `${auth0.url}/api/v2/`,
    });
    expect(auth0.requests.some((r) => r.url === '/api/v2/users-by-email?email=ada%40example.com')).toBe(true);
  });

  it('renews the token shortly before it expires', async () => {
    const clock = fixedClock(new Date('2030-01-01T00:00:00Z'));
    const c = connector(clock);
    const before = auth0.state.issued.length;
    await c.findUserByEmail('ada@example.com', signal());
    clock.advance(86_400_000 - 30_000); // within the renewal margin
    await c.findUserByEmail('ada@example.com', signal());
    expect(auth0.state.issued.length - before).toBe(2);
  });

  it('on 401 refreshes the token once and retries', async () => {
    const c = connector();
    await c.findUserByEmail('ada@example.com', signal());
    auth0.state.valid.clear(); // every issued token revoked
    const before = auth0.state.issued.length;
    expect((await c.findUserByEmail('ada@example.com', signal()))?.subject).toBe('auth0|ada1');
    expect(auth0.state.issued.length - before).toBe(1);
  });

  it('429 fails fast as rate_limited with the reset time', async () => {
    const c = connector();
    const reset = Math.floor(Date.now() / 1000) + 7;
    auth0.state.override = (_req, res) =>
      sendJson(res, 429, { statusCode: 429, error: 'Too Many Requests' }, { 'x-ratelimit-reset': String(reset) });
    try {
      const started = Date.now();
      const error = await failure(c.findUserByEmail('ada@example.com', signal()));
      expect(error.reason).toBe('rate_limited');
      expect(error.retryAt).toBe(reset * 1000);
      expect(Date.now() - started).toBeLessThan(5000); // well under the 7 s the upstream asked for: no sleeping
    } finally {
      auth0.state.override = null;
    }
  });

  it('refuses wrong client credentials as auth_failed', async () => {
    const c = createAuth0Connector({
      endpoint: auth0.url,
      credentials: { clientId: 'x', clientSecret: 'y' },
      clock: systemClock,
      policy: allow,
    });
    expect((await failure(c.findUserByEmail('ada@example.com', signal()))).reason).toBe('auth_failed');
  });
});

describe('SCIM connector', () => {
  let scim: Stub;
  beforeAll(async () => {
    scim = await startScim([
      {
        id: '2819c223',
        userName: 'bjensen',
        name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Ms. Barbara J Jensen' },
        emails: [
          { value: 'bjensen@work.example.com', type: 'work' },
          { value: 'Babs@Example.com', type: 'home', primary: true },
        ],
        phoneNumbers: [{ value: '+1 555 555 8377', primary: true }],
        active: false,
      },
      { id: 'q1', userName: 'quote', emails: [{ value: 'a"b\\c@example.com' }], active: true },
    ]);
  });
  afterAll(() => scim.close());
  const connector = () =>
    createScimConnector({ endpoint: `${scim.url}/scim/v2/`, credentials: { token: SCIM_TOKEN }, clock: systemClock, policy: allow });

  it('filters by email (RFC 7644) and maps the ListResponse', async () => {
    const found = await connector().findUserByEmail('bjensen@work.example.com', signal());
    expect(found).toMatchObject({
      subject: '2819c223',
      email: 'babs@example.com',
      firstName: 'Barbara',
      lastName: 'Jensen',
      name: 'Ms. Barbara J Jensen',
      phone: '+1 555 555 8377',
      status: 'deactivated',
      metadata: { userName: 'bjensen' },
    });
    const request = scim.requests.at(-1);
    expect(new URL(request?.url ?? '', 'http://x').searchParams.get('filter')).toBe('emails.value eq "bjensen@work.example.com"');
    expect(request?.headers.authorization).toBe(`Bearer ${SCIM_TOKEN}`);
  });

  it('escapes quotes and backslashes in the filter value', async () => {
    expect((await connector().findUserByEmail('a"b\\c@example.com', signal()))?.subject).toBe('q1');
  });

  it('answers null for no match (totalResults 0) and an unknown id', async () => {
    expect(await connector().findUserByEmail('none@example.com', signal())).toBeNull();
    expect(await connector().findUserById('nope', signal())).toBeNull();
    expect((await connector().findUserById('2819c223', signal()))?.firstName).toBe('Barbara');
  });
});

describe('generic HTTP JSON connector', () => {
  let stub: Stub;
  beforeAll(async () => {
    stub = await startStub((req, res) => {
      if (req.headers['x-api-key'] !== 'k-123') return sendJson(res, 401, {});
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/people' && url.searchParams.get('mail') === 'c+d@example.com') {
        return sendJson(res, 200, { results: [{ uid: 42, contact: { mail: 'C+D@example.com' }, 'given/name': 'Cee', enabled: true }] });
      }
      if (url.pathname === '/people/42') return sendJson(res, 200, { results: { uid: 42, contact: { mail: 'c+d@example.com' } } });
      if (url.pathname === '/people') return sendJson(res, 200, { results: [] });
      sendJson(res, 404, {});
    });
  });
  afterAll(() => stub.close());

  it('fills URL templates (encoded) and maps the answer with JSON pointers', async () => {
    const c = createHttpJsonConnector({
      endpoint: `${stub.url}/people?mail={email}`,
      settings: {
        resultPointer: '/results',
        userByIdUrl: `${stub.url}/people/{id}`,
        pointers: { subject: '/uid', email: '/contact/mail', firstName: '/given~1name', active: '/enabled' },
      },
      credentials: { headers: { 'x-api-key': 'k-123' } },
      clock: systemClock,
      policy: allow,
    });
    expect(await c.findUserByEmail('c+d@example.com', signal())).toMatchObject({
      subject: '42',
      email: 'c+d@example.com',
      firstName: 'Cee',
      status: 'active',
    });
    expect(stub.requests.at(-1)?.url).toBe('/people?mail=c%2Bd%40example.com');
    expect((await c.findUserById('42', signal()))?.subject).toBe('42');
    expect(await c.findUserByEmail('x@example.com', signal())).toBeNull();
    expect(await c.findUserById('7', signal())).toBeNull();
  });
});

describe('failures every connector shares', () => {
  let stub: Stub;
  let hanging: { destroy(): void }[] = [];
  beforeAll(async () => {
    stub = await startStub((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.startsWith('/never')) {
        hanging.push(res.socket as never);
        return; // never answers
      }
      if (path.startsWith('/slow-body')) {
        res.writeHead(200, { 'content-type': 'application/scim+json' });
        res.write('{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],');
        hanging.push(res.socket as never);
        return; // the rest never comes
      }
      if (path.startsWith('/5xx')) return sendJson(res, 503, { detail: 'down' });
      if (path.startsWith('/garbage')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"totalResults": 1, "Resources": [');
      }
      if (path.startsWith('/redirect')) {
        res.writeHead(302, { location: `${stub.url}/5xx/Users` });
        return res.end();
      }
      if (path.startsWith('/rate')) return sendJson(res, 429, {}, { 'retry-after': '3' });
      sendJson(res, 404, {});
    });
  });
  afterAll(async () => {
    for (const socket of hanging) socket.destroy();
    hanging = [];
    await stub.close();
  });
  const scimAt = (path: string, policy = allow) =>
    createScimConnector({ endpoint: `${stub.url}${path}`, credentials: { token: SCIM_TOKEN }, clock: systemClock, policy });

  it('times out on a server that never answers', async () => {
    const started = Date.now();
    const error = await failure(scimAt('/never').findUserByEmail('a@example.com', AbortSignal.timeout(200)));
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(10_000); // the server never answers: only the timeout ends the call
  });

  it('times out on a server that sends headers, then a body too slowly', async () => {
    const error = await failure(scimAt('/slow-body').findUserByEmail('a@example.com', AbortSignal.timeout(200)));
    expect(error.reason).toBe('timeout');
  });

  it('reports 5xx, malformed JSON, redirects (not followed) and 429', async () => {
    expect(await failure(scimAt('/5xx').findUserByEmail('a@example.com', signal()))).toMatchObject({
      reason: 'upstream_error',
      status: 503,
    });
    expect((await failure(scimAt('/garbage').findUserByEmail('a@example.com', signal()))).reason).toBe('malformed_response');
    const before = stub.requests.length;
    expect(await failure(scimAt('/redirect').findUserByEmail('a@example.com', signal()))).toMatchObject({
      reason: 'redirect',
      status: 302,
    });
    expect(stub.requests.length - before).toBe(1); // the Location was not visited
    const limited = await failure(scimAt('/rate').findUserByEmail('a@example.com', signal()));
    expect(limited.reason).toBe('rate_limited');
    expect(limited.retryAt).toBeGreaterThan(Date.now());
  });

  it('refuses loopback, private and link-local upstreams unless allowed, before connecting', async () => {
    const before = stub.requests.length;
    expect((await failure(scimAt('/5xx', deny).findUserByEmail('a@example.com', signal()))).reason).toBe('blocked_address');
    // A name resolving to loopback is refused after resolution, too.
    const byName = createScimConnector({
      endpoint: stub.url.replace('127.0.0.1', 'localhost'),
      credentials: { token: SCIM_TOKEN },
      clock: systemClock,
      policy: deny,
    });
    expect((await failure(byName.findUserByEmail('a@example.com', signal()))).reason).toBe('blocked_address');
    expect(stub.requests.length).toBe(before);
  });

  it('endpoint check at configuration time', () => {
    expect(endpointProblem('http://127.0.0.1:8080/x', deny)).toMatch(/private/);
    expect(endpointProblem('http://[::ffff:10.0.0.1]/', deny)).toMatch(/private/);
    expect(endpointProblem('http://169.254.169.254/latest', deny)).toMatch(/private/);
    expect(endpointProblem('http://localhost/', deny)).toMatch(/private/);
    expect(endpointProblem('http://127.0.0.1:8080/x', allow)).toBeNull();
    expect(endpointProblem('https://acme.eu.auth0.com', deny)).toBeNull();
    expect(endpointProblem('ftp://example.com', deny)).toMatch(/http/);
    expect(endpointProblem('not a url', deny)).toMatch(/URL/);
    expect(endpointProblem('https://user:pw@example.com', deny)).toMatch(/credentials/);
  });
});
