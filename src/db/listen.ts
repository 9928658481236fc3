import pg from 'pg';
import type { Listener } from './database.ts';

const MAX_BACKOFF_MS = 5_000;

/**
 * LISTEN on a dedicated PostgreSQL connection (a pooled one would be handed to other queries). When the
 * connection drops, `onState(false)` is told at once and the listener reconnects with backoff; notifications
 * sent meanwhile are lost, which is why the caller must distrust what it cached until `onState(true)`.
 * @throws a driver error when the first connection fails.
 */
export async function listenOnPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onState?: (listening: boolean) => void,
): Promise<Listener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error('channel must be a lower-case identifier');
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel === channel) onMessage(message.payload ?? '');
    });
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    await next.connect();
    await next.query(`LISTEN ${channel}`);
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    onState?.(true);
  }

  function lost(which: pg.Client, attempt = 0): void {
    if (stopped || (client !== which && attempt === 0)) return;
    client = null;
    onState?.(false);
    which.end().catch(() => {});
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt);
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => {
        if (!stopped) lost(which, attempt + 1);
      });
    }, delay);
    retry.unref();
  }

  await connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
