import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, inject } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/core/clock.ts';
import { type Database, openDatabase, prepareDatabase } from '../../src/db/database.ts';
import { createRegistry, type Registry, type ServiceWrappers } from '../../src/registry.ts';
import { backend, testDatabaseUrl, testSchema } from './backend.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

let shared: Promise<Database> | null = null;

/** The run's migrated PGlite template (global-setup.ts), when there is one. */
function pgliteTemplate(): Blob | undefined {
  const file = inject('pgliteTemplate');
  return file ? new Blob([readFileSync(file)]) : undefined;
}

/**
 * One database per test file (worker): in-memory PGlite from the run's migrated template, or a pool on the run's
 * PostgreSQL schema. `ownSchema` gives a PostgreSQL file a freshly migrated schema of its own (global-setup.ts drops them):
 * for suites that drive platform-wide workers (the webhook fan-out and delivery claim every tenant's work), which
 * would otherwise claim, and fail, another file's messages. On PGlite every file is alone already.
 */
export function testDatabase(options: { ownSchema?: boolean } = {}): Promise<Database> {
  shared ??= (async () => {
    const own = backend === 'postgres' && options.ownSchema;
    const database =
      backend === 'postgres'
        ? await openDatabase({
            url: testDatabaseUrl,
            dataDir: null,
            schema: own ? `${testSchema}_own_${randomBytes(4).toString('hex')}` : testSchema,
            poolSize: 25,
          })
        : await openDatabase({ url: null, dataDir: null, initialData: pgliteTemplate() });
    // A no-op on the template; it migrates a database opened without one, and creates and migrates an own schema.
    if (backend === 'pglite' || own) await prepareDatabase(database);
    afterAll(async () => {
      await database.close();
      shared = null;
    });
    return database;
  })();
  return shared;
}

export interface TestApp {
  app: FastifyInstance;
  registry: Registry;
  config: Config;
  /** Sends a request and parses a JSON answer. */
  call(options: InjectOptions): Promise<LightMyRequestResponse & { body: string; json: () => any }>;
  close(): Promise<void>;
}

/** Builds the real app on the test database. */
export async function createTestApp(
  options: {
    clock?: Clock;
    config?: Partial<Config>;
    logStream?: NodeJS.WritableStream;
    wrap?: ServiceWrappers;
    /** Serve the console and its API (the SPA's build is not needed for the API). */
    console?: boolean;
    /** On PostgreSQL, a schema of this file's own (testDatabase): for suites that run the webhook workers. */
    ownSchema?: boolean;
  } = {},
): Promise<TestApp> {
  const config: Config = { ...loadConfig({ ROSTER_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' }), ...options.config };
  const registry = await createRegistry(config, {
    database: await testDatabase({ ownSchema: options.ownSchema }),
    migrate: false,
    clock: options.clock,
    wrap: options.wrap,
  });
  const app = await buildApp(registry, { docs: true, logStream: options.logStream, console: options.console });
  await app.ready();
  return {
    app,
    registry,
    config,
    call: (o) => app.inject(o) as never,
    close: () => app.close(),
  };
}

export interface TestTenant {
  id: string;
  slug: string;
  /** A key with every scope. */
  key: string;
  auth: { authorization: string };
}

let counter = 0;

/** A fresh tenant with an all-scopes key, made through the admin API. */
export async function createTenant(t: TestApp, body: Record<string, unknown> = {}): Promise<TestTenant> {
  const slug = `t-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const created = await t.call({
    method: 'POST',
    url: '/v1/admin/tenants',
    headers: admin,
    payload: { slug, name: `Tenant ${slug}`, ...body },
  });
  if (created.statusCode !== 201) throw new Error(`tenant create failed: ${created.statusCode} ${created.body}`);
  const tenant = created.json();
  const key = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: admin, payload: { name: 'test' } });
  if (key.statusCode !== 201) throw new Error(`key create failed: ${key.body}`);
  const secret = key.json().secret as string;
  return { id: tenant.id, slug: tenant.slug, key: secret, auth: { authorization: `Bearer ${secret}` } };
}

/** Creates a key for a tenant with the given options. */
export async function createKey(t: TestApp, tenantId: string, body: Record<string, unknown>): Promise<string> {
  const res = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenantId}/keys`, headers: adminAuth(), payload: body });
  if (res.statusCode !== 201) throw new Error(`key create failed: ${res.body}`);
  return res.json().secret;
}

export function adminAuth(): { authorization: string } {
  return { authorization: `Bearer ${ADMIN_TOKEN}` };
}
