import type { Database } from '../../db/database.ts';
import type { EventInput } from '../events/event-types.ts';
import { notifySessionBus, type SessionBus } from './session-cache.ts';

/** How this process learns of session changes, and what it does once a transaction that changed some commits. */
export interface SessionChanges {
  bus: SessionBus;
  /** 'notify': the sessions trigger's NOTIFY; 'redis': pub/sub on REDIS_URL. */
  transport: 'notify' | 'redis';
  /** Set as the events service's onCommitted: publishes the sessions the committed events name (Redis only). */
  onCommitted?: (tenantId: string, events: readonly EventInput[]) => void;
  close(): Promise<void>;
}

/**
 * Redis pub/sub when a Redis URL is given, else PostgreSQL LISTEN on the trigger's notifications. With Redis the
 * announcement is each committed session event (every change of a session row writes one: session.revoked,
 * session.refreshed, session.reuse_detected, user.logged_out), published after the commit; the trigger still
 * notifies, to no listener. ioredis is loaded only then.
 */
export async function sessionChangesFor(
  redisUrl: string | null,
  database: Pick<Database, 'listen'>,
  onError?: (error: Error) => void,
): Promise<SessionChanges> {
  if (!redisUrl) return { bus: notifySessionBus(database), transport: 'notify', close: async () => {} };
  const { createRedisSessionBus, sessionKeysOf } = await import('./redis-session-bus.ts');
  const redis = createRedisSessionBus({ url: redisUrl, onError });
  return {
    bus: redis,
    transport: 'redis',
    onCommitted(tenantId, events) {
      // A new session cannot be cached anywhere yet: nothing to announce.
      redis.publish(events.flatMap((e) => (e.type === 'session.created' ? [] : sessionKeysOf(tenantId, e.data))));
    },
    close: () => redis.close(),
  };
}
