import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from '../registry.ts';

/** A background loop of a Roster process. */
export interface Worker {
  /** Stops after the round in progress; resolves when it has ended. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Names this process's leases (default: host, pid and a random suffix). */
  owner?: string;
  /** Pause when a round found nothing to do (default 200 ms). */
  idleMs?: number;
  /** Messages leased per round (default 50). */
  batch?: number;
  onError?: (error: unknown) => void;
}

/** A lease owner name unique to this process. */
export function workerOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * The webhook delivery worker: rounds of fan-out (feed → messages) and delivery (lease, send, record) until
 * stopped. Any number may run across processes: the fan-out's cursor row and the messages are leased in the
 * database (FOR UPDATE SKIP LOCKED), so they share the work. A database error pauses the loop for a second.
 */
export function startWebhookWorker(registry: Pick<Registry, 'webhookDelivery'>, options: WorkerOptions = {}): Worker {
  const owner = options.owner ?? workerOwner();
  const idleMs = options.idleMs ?? 200;
  const stopper = new AbortController();
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      let busy = false;
      try {
        const read = await registry.webhookDelivery.fanOut();
        const sent = await registry.webhookDelivery.deliverDue(owner, options.batch);
        busy = read > 0 || sent > 0;
      } catch (error) {
        options.onError?.(error);
        await sleep(1000, undefined, { signal: stopper.signal }).catch(() => {});
        continue;
      }
      if (!busy) await sleep(idleMs, undefined, { signal: stopper.signal }).catch(() => {});
    }
  })();
  return {
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}
