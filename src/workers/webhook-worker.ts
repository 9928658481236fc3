import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Listener } from '../db/database.ts';
import type { Wakeup } from '../modules/webhooks/webhook-delivery.service.ts';
import type { Registry } from '../registry.ts';

/** A background loop of a Roster process. */
export interface Worker {
  /** Stops after the round in progress; resolves when it has ended. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Names this process's leases (default: host, pid and a random suffix). */
  owner?: string;
  /**
   * Pause when a round found nothing to do and no wake-up came (default 50 ms without LISTEN; with LISTEN the
   * worker polls every second anyway, for retries falling due and wake-ups lost while reconnecting).
   */
  idleMs?: number;
  /** Messages leased per round (default 200). */
  batch?: number;
  /** Messages this process holds claimed at most (default 512): it claims more as earlier ones are recorded. */
  capacity?: number;
  /** Listen for wake-ups (default true); false polls every `idleMs`. */
  listen?: boolean;
  onError?: (error: unknown) => void;
}

/** With LISTEN up, how often the worker looks anyway (retries falling due, a wake-up lost). */
const LISTENING_POLL_MS = 1_000;
/** While the feed's horizon has not yet passed a notified transaction, how soon the fan-out looks again. */
const HORIZON_RETRY_MS = 5;
/** How long it keeps looking that often (a transaction whose events are gone by then is never passed). */
const HORIZON_RETRY_FOR_MS = 2_000;

/** A lease owner name unique to this process. */
export function workerOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** A wake-up signal: `wait(ms)` resolves at the next `wake()` or after `ms`, or at once if woken meanwhile. */
function signal(stopped: AbortSignal) {
  let woken = false;
  let resolveWait: (() => void) | null = null;
  return {
    wake() {
      woken = true;
      resolveWait?.();
    },
    async wait(ms: number): Promise<void> {
      if (!woken && !stopped.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          const done = () => {
            clearTimeout(timer);
            stopped.removeEventListener('abort', done);
            resolve();
          };
          resolveWait = done;
          stopped.addEventListener('abort', done);
        });
        resolveWait = null;
      }
      woken = false;
    },
  };
}

/**
 * The webhook delivery worker: a fan-out loop (feed → messages) and a delivery loop that claims due messages while
 * earlier ones are still being sent (up to `capacity` at once) until stopped. Both sleep until woken: a commit that
 * wrote events (LISTEN/NOTIFY, migration 0013) wakes the fan-out, and queued messages (a NOTIFY too, so other
 * processes hear of them) or a recorded attempt wake the delivery loop; without a listener they poll. Any number may run across processes: the fan-out's cursor row and the messages are leased in the database
 * (FOR UPDATE SKIP LOCKED), so they share the work. A database error pauses a loop for a second.
 */
export function startWebhookWorker(registry: Pick<Registry, 'webhookDelivery'>, options: WorkerOptions = {}): Worker {
  const delivery = registry.webhookDelivery;
  const owner = options.owner ?? workerOwner();
  const idleMs = options.idleMs ?? 50;
  const batch = options.batch ?? 200;
  const capacity = Math.max(batch, options.capacity ?? 512);
  const stopper = new AbortController();
  const fanOutSignal = signal(stopper.signal);
  const deliverSignal = signal(stopper.signal);
  const wakeLanes = () => deliverSignal.wake();
  let listening = false;
  /** The newest transaction a wake-up named: the fan-out keeps looking until its cursor has passed it. */
  let notifiedTxid = 0n;
  let notifiedAt = 0;
  const pollMs = () => (listening ? Math.max(idleMs, LISTENING_POLL_MS) : idleMs);

  const onWakeup = (w: Wakeup) => {
    if (w.kind === 'messages') return wakeLanes();
    if (w.txid > notifiedTxid) notifiedTxid = w.txid;
    notifiedAt = Date.now();
    fanOutSignal.wake();
  };
  const listenerReady: Promise<Listener | null> =
    options.listen === false
      ? Promise.resolve(null)
      : delivery
          .listen(onWakeup, (up) => {
            listening = up;
            // What was missed while down is found by looking once.
            fanOutSignal.wake();
            wakeLanes();
          })
          .catch((error: unknown) => {
            options.onError?.(error);
            return null;
          });

  async function pauseAfterError(error: unknown): Promise<void> {
    options.onError?.(error);
    await sleep(1000, undefined, { signal: stopper.signal }).catch(() => {});
  }

  const fanOutLoop = (async () => {
    await listenerReady;
    while (!stopper.signal.aborted) {
      let wait = pollMs();
      try {
        const round = await delivery.fanOutRound();
        if (round.read > 0) {
          // This process's lanes hear of the new messages at once; others by the messages' NOTIFY.
          wakeLanes();
          continue;
        }
        // Woken by a commit the horizon has not passed yet (an older transaction still runs): look again soon.
        if (round.txid !== null && round.txid < notifiedTxid && Date.now() - notifiedAt < HORIZON_RETRY_FOR_MS) wait = HORIZON_RETRY_MS;
      } catch (error) {
        await pauseAfterError(error);
        continue;
      }
      await fanOutSignal.wait(wait);
    }
  })();

  let inFlight = 0;
  const running = new Set<Promise<void>>();
  const deliverLoop = (async () => {
    await listenerReady;
    while (!stopper.signal.aborted) {
      if (capacity - inFlight < Math.min(batch, capacity / 4)) {
        // Full: claim again when a quarter of the room is free (claims stay large, sends keep flowing).
        await deliverSignal.wait(pollMs());
        continue;
      }
      try {
        const { claimed, done } = await delivery.dispatch(owner, Math.min(batch, capacity - inFlight), () => {
          inFlight--;
          // Recorded messages may unblock the next event of their user: look again.
          deliverSignal.wake();
        });
        if (claimed > 0) {
          inFlight += claimed;
          const tracked = done.catch((error: unknown) => options.onError?.(error)).finally(() => running.delete(tracked));
          running.add(tracked);
          continue;
        }
      } catch (error) {
        await pauseAfterError(error);
        continue;
      }
      await deliverSignal.wait(pollMs());
    }
    await Promise.all(running);
  })();

  return {
    async stop() {
      stopper.abort();
      await Promise.all([fanOutLoop, deliverLoop]);
      await (await listenerReady)?.stop();
    },
  };
}
