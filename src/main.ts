import pino from 'pino';
import { type Config, type LogLevel, loadConfig } from './config.ts';
import { safeError } from './core/safe-error.ts';
import { loggerOptions } from './http/logger.ts';
import { type RunningServer, startServer } from './server.ts';

/**
 * The process's own logger, for what happens outside a request: fatal errors and start-up failures. It has the
 * app's redaction and error serializer, so a driver error never reaches the terminal with its client attached.
 */
function processLogger(level: LogLevel) {
  const options = loggerOptions(level);
  // Synchronous: a fatal line must be written before the process exits.
  return pino(typeof options === 'object' ? options : {}, pino.destination({ fd: 1, sync: true }));
}

/** Entry point: config → registry → app → listen; graceful shutdown on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    fatal(processLogger('info'), error, 'roster failed to start: invalid configuration');
    return;
  }
  const log = processLogger(config.logLevel);
  // Nothing thrown anywhere may print raw objects to stderr (Node's default), and after one the process's state
  // is unknown: log it safely and exit.
  process.on('uncaughtException', (error) => fatal(log, error, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => fatal(log, reason, 'unhandled rejection'));
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (error) {
    fatal(log, error, 'roster failed to start');
    return;
  }
  const shutdown = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error) => {
        server.app.log.error({ err: safeError(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await server.ready;
  } catch (error) {
    fatal(log, error, 'roster failed to start: the database did not become ready');
    return;
  }
  server.app.log.info(
    { backend: server.registry.backend, dataDir: server.registry.backend === 'pglite' ? config.dataDir : undefined },
    'roster ready',
  );
}

function fatal(log: pino.Logger, error: unknown, message: string): void {
  log.fatal({ err: safeError(error) }, `${message}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

void main();
