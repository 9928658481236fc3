import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Stub {
  url: string;
  /** Every request received: method, path with query, headers and body. */
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

export type StubHandler = (req: IncomingMessage & { body: string }, res: ServerResponse) => unknown;

/** An HTTP server on 127.0.0.1 (port 0) standing in for an upstream we do not run. */
export async function startStub(handler: StubHandler): Promise<Stub> {
  const requests: Stub['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(handler(Object.assign(req, { body }), res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export interface Auth0User {
  user_id: string;
  email: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  phone_number?: string;
  user_metadata?: Record<string, unknown>;
  app_metadata?: Record<string, unknown>;
  blocked?: boolean;
}

export const AUTH0_CLIENT = { clientId: 'roster-client-id', clientSecret: 'auth0-client-secret-DO-NOT-LEAK-7f3a' };

/**
 * Auth0's token endpoint and Management API v2 as Auth0 documents them: `POST /oauth/token` (client credentials)
 * answers `{access_token, token_type: "Bearer", expires_in, scope}`; `GET /api/v2/users-by-email` answers an array;
 * `GET /api/v2/users/{id}` a user or 404; a bad token answers 401.
 */
export async function startAuth0(users: Auth0User[], options: { expiresIn?: number } = {}) {
  const state = { issued: [] as string[], valid: new Set<string>(), override: null as StubHandler | null };
  const stub = await startStub((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const body = JSON.parse(req.body);
      if (
        body.grant_type !== 'client_credentials' ||
        body.client_id !== AUTH0_CLIENT.clientId ||
        body.client_secret !== AUTH0_CLIENT.clientSecret ||
        body.audience !== `${stub.url}/api/v2/`
      ) {
        return sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
      }
      const token = `at-${state.issued.length + 1}-secret-token-value`;
      state.issued.push(token);
      state.valid.add(token);
      return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: options.expiresIn ?? 86400, scope: 'read:users' });
    }
    if (state.override) return state.override(req, res);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!state.valid.has(token)) {
      return sendJson(res, 401, {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid token',
        attributes: { error: 'Invalid token' },
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/v2/users-by-email') {
      const email = (url.searchParams.get('email') ?? '').toLowerCase();
      return sendJson(
        res,
        200,
        users.filter((u) => u.email.toLowerCase() === email),
      );
    }
    const byId = /^\/api\/v2\/users\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && byId) {
      const user = users.find((u) => u.user_id === decodeURIComponent(byId[1]));
      if (!user)
        return sendJson(res, 404, {
          statusCode: 404,
          error: 'Not Found',
          message: 'The user does not exist.',
          errorCode: 'inexistent_user',
        });
      return sendJson(res, 200, user);
    }
    sendJson(res, 404, { statusCode: 404, error: 'Not Found' });
  });
  return { ...stub, state };
}

export interface ScimUser {
  id: string;
  userName: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  emails?: { value: string; primary?: boolean; type?: string }[];
  phoneNumbers?: { value: string; primary?: boolean }[];
  active?: boolean;
}

export const SCIM_TOKEN = 'scim-bearer-token-DO-NOT-LEAK-91c2';

/** A SCIM 2.0 service provider (RFC 7644): filtered `GET /Users` answers a ListResponse, `GET /Users/{id}` a User. */
export async function startScim(users: ScimUser[]) {
  return startStub((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    if (req.headers.authorization !== `Bearer ${SCIM_TOKEN}`) {
      return sendJson(res, 401, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: 'Unauthorized' });
    }
    if (url.pathname === '/scim/v2/Users') {
      const match = /^emails\.value eq ("(?:[^"\\]|\\.)*")$/.exec(url.searchParams.get('filter') ?? '');
      if (!match) {
        return sendJson(res, 400, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter' });
      }
      const email = (JSON.parse(match[1]) as string).toLowerCase();
      const found = users.filter((u) => u.emails?.some((e) => e.value.toLowerCase() === email));
      return sendJson(res, 200, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: found.length,
        startIndex: 1,
        itemsPerPage: found.length,
        Resources: found.map((u) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...u })),
      });
    }
    const byId = /^\/scim\/v2\/Users\/(.+)$/.exec(url.pathname);
    const user = byId ? users.find((u) => u.id === decodeURIComponent(byId[1])) : undefined;
    if (!user) return sendJson(res, 404, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
    sendJson(res, 200, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...user });
  });
}
