import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { safeError } from './core/safe-error.ts';
import { advertiseDataDirUrl } from './db/data-dir-lock.ts';
import { type Database, databaseOptionsOf, openDatabase, prepareDatabase } from './db/database.ts';
import { retryUntilReachable } from './db/startup.ts';
import { startMetricsServer } from './http/metrics.ts';
import { GENERATED_SECRET_KEY_SETTING } from './modules/admin/secret-key.ts';
import { createRegistry, type Registry } from './registry.ts';
import { createImportWorker } from './workers/import-worker.ts';
import { startWorkers } from './workers/start-workers.ts';
import type { Worker } from './workers/webhook-worker.ts';

export interface RunningServer {
  app: FastifyInstance;
  registry: Registry;
  /**
   * Settles once the database is migrated and the server serves every route. Rejects (StartupTimeoutError, or the
   * migration's error) when that does not happen; the process should then exit.
   */
  ready: Promise<void>;
  /** The listener of ROSTER_METRICS_PORT, when set. */
  metricsServer: Server | null;
  /** Stops accepting connections, lets in-flight requests finish, closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens storage and listens at once; then, in the background, waits for PostgreSQL (retrying with backoff up to
 * `ROSTER_DB_STARTUP_TIMEOUT_SECONDS`), migrates and makes sure an admin token exists. Until that is done /health
 * answers 200, /ready 503 and every other route 503 DATABASE_UNAVAILABLE.
 * @throws when PGlite cannot be opened or the port cannot be bound.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  let app: FastifyInstance | null = null;
  const database = await openDatabase({
    ...databaseOptionsOf(config),
    onConnectionError: (error) => app?.log.warn({ err: safeError(error) }, 'database connection lost; the pool replaces it'),
  });
  const registry = await createRegistry(config, {
    database,
    migrate: false,
    resolveSecrets: false,
    // Through the app's logger (redaction, safe error fields): the bus URL and its password never reach a line.
    onSessionBusError: (error) => app?.log.warn({ err: safeError(error) }, 'session bus (Redis) error'),
    onBackgroundError: (error) => app?.log.warn({ err: safeError(error) }, 'background task failed'),
  });
  const startup = { ready: false };
  let workers: Worker | null = null;
  app = await buildApp(registry, { startup, console: config.console });
  const listening = app;
  let metricsServer: Server | null = null;
  try {
    await listening.listen({ port: config.port, host: config.host });
    if (registry.backend === 'pglite') advertiseDataDirUrl(config.dataDir, localUrl(listening));
    if (config.metricsPort !== null) metricsServer = await startMetricsServer(registry, config.host, config.metricsPort);
  } catch (error) {
    await listening.close();
    await database.close();
    throw error;
  }
  const worker = createImportWorker(registry, {
    onError: (error, jobId) =>
      listening.log.error({ err: safeError(error), importId: jobId }, 'import job failed; it resumes from its checkpoint'),
  });
  const ready = (async () => {
    await retryUntilReachable(() => prepare(config, database, registry, listening), {
      timeoutMs: config.dbStartupTimeoutSeconds * 1000,
      onRetry: ({ attempt, retryInMs, elapsedMs, err }) =>
        listening.log.warn({ attempt, retryInMs, elapsedMs, err }, 'database not reachable; retrying'),
    });
    startup.ready = true;
    // In the background: requests are served meanwhile, each waiting for at most one compilation.
    void listening.warmUp();
    if (config.webhooks.inProcessWorker) {
      workers = startWorkers(registry, config, (error) =>
        listening.log.error({ err: safeError(error) }, 'background worker failed a round'),
      );
    }
    // Import jobs run in the server by default; processes share them through database leases.
    if (config.imports.worker) worker.start();
  })();
  // The caller awaits it; this keeps an early rejection from counting as unhandled meanwhile.
  ready.catch(() => {});
  let stopping: Promise<void> | null = null;
  return {
    app: listening,
    registry,
    ready,
    metricsServer,
    stop() {
      stopping ??= (async () => {
        const metrics = metricsServer;
        if (metrics) await new Promise<void>((resolve) => metrics.close(() => resolve()));
        await worker.stop();
        await listening.close();
        await workers?.stop();
        await registry.close();
        await database.close();
      })();
      return stopping;
    },
  };
}

/** Migrates (over a connection of its own, without the statement timeout), then makes sure an admin token exists. */
async function prepare(config: Config, database: Database, registry: Registry, app: FastifyInstance): Promise<void> {
  if (database.backend === 'postgres') {
    const migrating = await openDatabase({ ...databaseOptionsOf(config), poolSize: 1, statementTimeoutMs: 0 });
    try {
      await prepareDatabase(migrating);
    } finally {
      await migrating.close();
    }
  } else {
    await prepareDatabase(database);
  }
  await registry.sessionCache.start();
  const secret = await registry.secretKeys.resolve(database.db);
  if (secret.origin !== 'environment') {
    // Every start, not only the first: it stays a setting production must change.
    app.log.warn(
      {
        setting: 'ROSTER_SECRET_KEY',
        keptIn: `roster_settings.${GENERATED_SECRET_KEY_SETTING}`,
        generatedNow: secret.origin === 'generated',
      },
      'ROSTER_SECRET_KEY is not set: provider credentials and Naviga ids are sealed with a key Roster generated and keeps in its database (table roster_settings); production should set its own ROSTER_SECRET_KEY',
    );
  }
  const generated = await registry.adminAuth.ensureToken();
  if (generated) {
    // Printed once, to the terminal only: it is stored hashed and cannot be shown again.
    process.stdout.write(
      `\nRoster generated a platform admin token (shown only now; store it, or set ROSTER_ADMIN_TOKEN):\n\n  ${generated}\n\n`,
    );
  }
}

/** The URL a process on this machine reaches the server at (a wildcard address is reached on loopback). */
function localUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') return String(address);
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
