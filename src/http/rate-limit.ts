import rateLimit from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../core/errors.ts';
import type { Registry } from '../registry.ts';

/** Prefix of every counter in Redis, so Roster's keys are recognizable in a shared instance. */
const REDIS_NAMESPACE = 'roster:rate-limit:';

/**
 * Per-key API rate limits on the routes registered after it (all of them: it is registered on the root). A key is limited only
 * when it or its tenant has a limit (the auth hook puts it on `request.keyRateLimit`); admin and
 * unauthenticated routes, and keys without a limit, are neither counted nor given headers. Counters live in
 * Redis when `REDIS_URL` is set (shared by every process), else in this process.
 */
export async function registerRateLimit(api: FastifyInstance, registry: Registry): Promise<void> {
  api.decorateRequest('keyRateLimit', null);
  const redis = registry.config.redisUrl ? await connectRedis(registry.config.redisUrl, api.log) : null;
  if (redis) {
    api.addHook('onClose', async () => {
      // quit() waits for a reply that a disconnected client never gets.
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    });
  }
  await api.register(rateLimit, {
    global: true,
    // Registered on the root before every route scope, so it serves /v1 and the dialects alike. As a preValidation
    // hook it runs after every onRequest hook (where /v1 and each dialect authenticate the key and put its limit on
    // the request), counts invalid requests too, and runs before the Idempotency-Key reservation (a preHandler), so
    // a 429 is never stored as a reply.
    hook: 'preValidation',
    enableDraftSpec: true,
    allowList: (request) => request.keyRateLimit === null,
    keyGenerator: (request) => (request.keyRateLimit ? request.ctx.actor : ''),
    max: (request) => request.keyRateLimit?.max ?? 0,
    timeWindow: (request) => (request.keyRateLimit?.windowSeconds ?? 1) * 1000,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `This API key may send ${context.max} requests per window; retry in ${context.after}`, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
    // Redis down: serve unlimited rather than fail every call (connectRedis logs the outage).
    skipOnError: true,
    ...(redis ? { redis, nameSpace: REDIS_NAMESPACE } : {}),
  });
}

/**
 * A Redis client that never crashes the process and never logs its URL (it may hold a password). Waits for the
 * first connection so the first requests are counted; when Redis is unreachable it starts anyway and keeps
 * reconnecting in the background.
 */
async function connectRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  // No offline queue: while Redis is away a command fails at once and the request goes through unlimited,
  // instead of waiting for a reconnection.
  // Loaded only with REDIS_URL: the client's import is a noticeable part of a start without it.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let healthy = true;
  redis.on('error', (error: Error & { code?: string }) => {
    if (!healthy) return;
    healthy = false;
    log.warn(
      { redisError: { code: error.code ?? error.name, message: withoutCredentials(error.message) } },
      'Redis is unreachable: API rate limits are not enforced until it is back',
    );
  });
  redis.on('ready', () => {
    if (!healthy) log.info('Redis is back: API rate limits are enforced again');
    healthy = true;
  });
  // A failed first attempt has been logged by the error listener; reconnection goes on by itself.
  await redis.connect().catch(() => {});
  return redis;
}

function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^@/\s]*@/g, '//[redacted]@');
}
