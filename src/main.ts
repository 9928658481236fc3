import { loadConfig } from './config.ts';
import { startServer } from './server.ts';

/** Entry point: config → registry → app → listen; graceful shutdown on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  server.app.log.info(
    { backend: server.registry.backend, dataDir: server.registry.backend === 'pglite' ? config.dataDir : undefined },
    'roster ready',
  );
  const shutdown = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`roster failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
