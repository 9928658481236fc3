import { Redis } from 'ioredis';
import type { Listener } from '../../db/database.ts';
import type { SessionBus } from './session-cache.ts';

/** The pub/sub channel session changes are announced on, as `tenant:id` (the payload the NOTIFY trigger sends). */
export const REDIS_SESSIONS_CHANNEL = 'roster:sessions';

/** Session changes over Redis pub/sub: what every process subscribes to, and what a commit publishes. */
export interface RedisSessionBus extends SessionBus {
  /** Announces changed sessions (`tenant:id` keys); call it after their commit. Never throws. */
  publish(keys: readonly string[]): void;
  /** Ends both connections. */
  close(): Promise<void>;
}

export interface RedisSessionBusOptions {
  url: string;
  channel?: string;
  /**
   * Told of connection and publish failures, and of a subscription lost (the session cache is off until it
   * resubscribes). Never given the URL, which may hold a password.
   */
  onError?: (error: Error) => void;
}

/** The client name of this process's bus connections (CLIENT LIST shows which process holds which). */
export function busConnectionName(role: 'pub' | 'sub', pid = process.pid): string {
  return `roster-sessions-${role}-${pid}`;
}

/**
 * Builds a Redis bus for the session cache, used instead of PostgreSQL LISTEN when `REDIS_URL` is set (no
 * dedicated database connection per process, and it works behind a transaction-pooling proxy). A subscriber
 * connection tells the cache when it is (re)subscribed and when it is lost, so the cache trusts nothing it holds
 * while messages may be missed. The publisher queues while Redis is away: the subscribers are down then too,
 * and on their return they start from an empty cache, so a late message costs nothing.
 */
export function createRedisSessionBus(options: RedisSessionBusOptions): RedisSessionBus {
  const channel = options.channel ?? REDIS_SESSIONS_CHANNEL;
  const report = (error: Error) => options.onError?.(error);
  const publisher = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: null,
    connectionName: busConnectionName('pub'),
  });
  publisher.on('error', report);
  const subscribers = new Set<Redis>();

  return {
    publish(keys) {
      if (keys.length === 0) return;
      if (publisher.status === 'wait') publisher.connect().catch(() => {});
      for (const key of keys) publisher.publish(channel, key).catch(report);
    },

    async subscribe(onMessage, onState): Promise<Listener> {
      // Resubscribed by hand on each (re)connection, so `up` is told only once the SUBSCRIBE is acknowledged.
      const sub = new Redis(options.url, {
        lazyConnect: true,
        connectTimeout: 2000,
        autoResubscribe: false,
        maxRetriesPerRequest: null,
        connectionName: busConnectionName('sub'),
      });
      subscribers.add(sub);
      let up = false;
      let stopped = false;
      const setUp = (next: boolean) => {
        if (next === up) return;
        up = next;
        onState?.(next);
      };
      sub.on('error', report);
      sub.on('message', (from: string, payload: string) => {
        if (from === channel) onMessage(payload);
      });
      sub.on('close', () => {
        // A dropped connection emits no error of its own; it is worth a line: revocations are missed meanwhile.
        if (up && !stopped) report(new Error('the Redis session subscription was lost; the session cache is off until it resubscribes'));
        setUp(false);
      });
      sub.on('ready', () => {
        sub.subscribe(channel).then(
          () => {
            if (!stopped) setUp(true);
          },
          (error: Error) => {
            report(error);
            sub.disconnect(true);
          },
        );
      });
      // Not reachable yet: start anyway with the cache off; the client keeps retrying and 'ready' turns it on.
      await sub.connect().catch(report);
      if (sub.status === 'ready') await sub.subscribe(channel).catch(report);
      return {
        async stop() {
          stopped = true;
          setUp(false);
          subscribers.delete(sub);
          sub.disconnect();
        },
      };
    },

    async close() {
      for (const sub of subscribers) sub.disconnect();
      subscribers.clear();
      if (publisher.status === 'ready') await publisher.quit().catch(() => {});
      publisher.disconnect();
    },
  };
}

/** The `tenant:id` keys of the sessions an event names (`data.sessionId`, `data.sessionIds`). */
export function sessionKeysOf(tenantId: string, data: unknown): string[] {
  if (!data || typeof data !== 'object') return [];
  const { sessionId, sessionIds } = data as { sessionId?: unknown; sessionIds?: unknown };
  const keys: string[] = [];
  if (typeof sessionId === 'string') keys.push(`${tenantId}:${sessionId}`);
  if (Array.isArray(sessionIds)) for (const id of sessionIds) if (typeof id === 'string') keys.push(`${tenantId}:${id}`);
  return keys;
}
