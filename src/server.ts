import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { GENERATED_SECRET_KEY_SETTING } from './modules/admin/secret-key.ts';
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
  if (registry.secretKeyOrigin !== 'environment') {
    // Every start, not only the first: it stays a setting production must change.
    app.log.warn(
      {
        setting: 'ROSTER_SECRET_KEY',
        keptIn: `roster_settings.${GENERATED_SECRET_KEY_SETTING}`,
        generatedNow: registry.secretKeyOrigin === 'generated',
      },
      'ROSTER_SECRET_KEY is not set: provider credentials and Naviga ids are sealed with a key Roster generated and keeps in its database (table roster_settings); production should set its own ROSTER_SECRET_KEY',
    );
  }
  await app.listen({ port: config.port, host: config.host });
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
