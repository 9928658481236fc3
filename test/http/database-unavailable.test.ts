/**
 * A database that cannot be reached (a PostgreSQL URL whose port refuses connections) answers 503
 * DATABASE_UNAVAILABLE with Retry-After in the envelope of every API, never 500; /health stays 200, /ready 503.
 * And while a server waits for its database at start-up, every route but the probes answers the same.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/children.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createRegistry } from '../../src/registry.ts';
import { ADMIN_TOKEN } from '../helpers/app.ts';

const KEY = 'A'.repeat(64);

/** One request per API, each with what its adapter needs to get as far as the database. */
const CALLS = [
  { api: 'v1', method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${KEY}` } },
  { api: 'v1 write', method: 'POST', url: '/v1/users', headers: { authorization: `Bearer ${KEY}` }, payload: { email: 'a@example.com' } },
  { api: 'admin', method: 'GET', url: '/v1/admin/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}0` } },
  {
    api: 'tagmango',
    method: 'POST',
    url: '/api/v1/external/users',
    headers: { authorization: `Bearer ${KEY}`, 'x-whitelabel-host': 'shop.example.com' },
    payload: { email: 'a@example.com' },
  },
  {
    api: 'thanx',
    method: 'POST',
    url: '/users',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { user: { email: 'a@example.com' } },
  },
  {
    api: 'publicala',
    method: 'POST',
    url: '/integration-api/v1/dashboard/users/',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { external_id: 'x-1', email: 'a@example.com' },
  },
  {
    api: 'usercom',
    method: 'POST',
    url: '/api/public/users/update_or_create/',
    headers: { authorization: `Token ${KEY}` },
    payload: { user_id: 'u-1' },
  },
  {
    api: 'naviga',
    method: 'GET',
    url: '/v4/Users?email=a@example.com',
    headers: {
      authorization: `Bearer ${KEY}`,
      'X-SourceSystem': 'test',
      'X-ClientCode': 'c',
      'X-PaperCode': 'p',
      'X-ClientGroupCode': 'g',
    },
  },
] as const;

/** The envelope each API answers a 503 in. */
function expectEnvelope(api: string, body: any): void {
  switch (api) {
    case 'v1':
    case 'v1 write':
    case 'admin':
      expect(body).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', type: 'urn:roster:error:DATABASE_UNAVAILABLE' });
      return;
    case 'tagmango':
      expect(body).toMatchObject({ code: 503, statusMessage: 'SERVICE_UNAVAILABLE', success: false });
      return;
    case 'thanx':
      expect(body.error).toMatchObject({ code: 'database_unavailable' });
      return;
    case 'publicala':
      expect(body).toEqual({ message: 'Service Unavailable' });
      return;
    case 'usercom':
      expect(typeof body.detail).toBe('string');
      return;
    case 'naviga':
      expect(body.message).toMatchObject({ code: 'UsersOrchestrator_E503_00', type: 'Error' });
      expect(body.data).toEqual([]);
      return;
  }
  throw new Error(`no envelope for ${api}`);
}

/** An app over a PostgreSQL URL nothing listens on: every connection attempt is refused. */
async function unreachableApp(options: { startup?: { ready: boolean } } = {}): Promise<{ app: FastifyInstance; database: Database }> {
  const url = `postgres://postgres@127.0.0.1:${await freePort()}/none`;
  // No admin token in the environment: checking one reads the stored digest, from the database.
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: url };
  const database = await openDatabase({ url, dataDir: null, poolSize: 2, acquireTimeoutMs: 2000 });
  const registry = await createRegistry(config, { database, migrate: false, resolveSecrets: false });
  const app = await buildApp(registry, { docs: false, ...options });
  await app.ready();
  return { app, database };
}

describe('an unreachable database', () => {
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app, database } = await unreachableApp());
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  for (const call of CALLS) {
    it(`answers 503 DATABASE_UNAVAILABLE with Retry-After in the ${call.api} envelope`, async () => {
      const res = await app.inject(call as never);
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expectEnvelope(call.api, res.json());
      // Nothing of the driver's error reaches the client.
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    });
  }

  it('keeps /health at 200 and /ready at 503', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', backend: 'postgres' });
  });
});

describe('a server still waiting for its database at start-up', () => {
  let database: Database;
  let app: FastifyInstance;
  const startup = { ready: false };

  beforeAll(async () => {
    ({ app, database } = await unreachableApp({ startup }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('answers /health 200, /ready 503, and every other route 503 DATABASE_UNAVAILABLE (starting) in its envelope', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ready?probe=1' })).statusCode).toBe(503);
    for (const call of CALLS) {
      const res = await app.inject(call as never);
      expect(res.statusCode, `${call.api}: ${res.body}`).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expectEnvelope(call.api, res.json());
    }
    const waiting = await app.inject(CALLS[0] as never);
    expect(waiting.json()).toMatchObject({ reason: 'starting' });
    // Once ready, requests reach the database (here still unreachable: the driver's error, not the gate, answers).
    startup.ready = true;
    const served = await app.inject(CALLS[0] as never);
    expect(served.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE', reason: 'unreachable' });
  });
});
