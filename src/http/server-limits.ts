import type { Server } from 'node:http';
import type { FastifyBaseLogger, FastifyHttpOptions } from 'fastify';
import type { HttpLimits } from '../config.ts';

/** The Fastify options that set the server's timeouts. */
export type ServerTimeoutOptions = Pick<FastifyHttpOptions<Server>, 'keepAliveTimeout' | 'requestTimeout' | 'http'>;

/**
 * Fastify options for the header, request (body) and keep-alive timeouts. Node enforces the first two by
 * sweeping its connections every `connectionsCheckingInterval` (30 s by default, which would let a slow client
 * overstay a 10 s timeout threefold), so the sweep runs a few times per timeout instead.
 */
export function serverTimeoutOptions(limits: HttpLimits): ServerTimeoutOptions {
  const sweepMs = Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 5)));
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: sweepMs },
  };
}

/** Seconds between two warnings about refused connections: a flood must not flood the log too. */
const DROP_WARNING_INTERVAL_MS = 10_000;

/**
 * Caps the open connections of this process: Node closes each one accepted beyond `max` at once (without a
 * response; a load balancer retries another process). Logs a warning, at most every 10 s, with the count refused.
 */
export function capConnections(server: Server, max: number, log: FastifyBaseLogger): void {
  server.maxConnections = max;
  let dropped = 0;
  let lastWarning = 0;
  server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now - lastWarning < DROP_WARNING_INTERVAL_MS) return;
    lastWarning = now;
    log.warn({ maxConnections: max, refused: dropped }, 'connection refused: ROSTER_HTTP_MAX_CONNECTIONS reached');
    dropped = 0;
  });
}
