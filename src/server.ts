import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { advertiseDataDirUrl } from './db/data-dir-lock.ts';
import { createRegistry, type Registry } from './registry.ts';

export interface RunningServer {
  app: FastifyInstance;
  registry: Registry;
  /** Stops accepting connections, lets in-flight requests finish, closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens storage, migrates, makes sure an admin token exists, and listens.
 * @throws when the database cannot be opened or the port cannot be bound.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const registry = await createRegistry(config);
  const app = await buildApp(registry);
  const generated = await registry.adminAuth.ensureToken();
  if (generated) {
    // Printed once, to the terminal only: it is stored hashed and cannot be shown again.
    process.stdout.write(
      `\nRoster generated a platform admin token (shown only now; store it, or set ROSTER_ADMIN_TOKEN):\n\n  ${generated}\n\n`,
    );
  }
  await app.listen({ port: config.port, host: config.host });
  if (registry.backend === 'pglite') advertiseDataDirUrl(config.dataDir, localUrl(app));
  let stopping: Promise<void> | null = null;
  return {
    app,
    registry,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await registry.close();
      })();
      return stopping;
    },
  };
}

/** The URL a process on this machine reaches the server at (a wildcard address is reached on loopback). */
function localUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') return String(address);
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
