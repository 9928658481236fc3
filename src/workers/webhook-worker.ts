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
  /** Delivery rounds in flight at once (default 4): one claims and records while others wait on receivers. */
  lanes?: number;
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
 * The webhook delivery worker: a fan-out loop (feed → messages) and a few delivery lanes (lease, send, record) until
 * stopped. Both sleep until woken: a commit that wrote events (LISTEN/NOTIFY, migration 0012) wakes the fan-out, and
 * queued messages (a NOTIFY too, so other processes' lanes hear of them) wake the lanes; without a listener they
 * poll. Any number may run across processes: the fan-out's cursor row and the messages are leased in the database
 * (FOR UPDATE SKIP LOCKED), so they share the work. A database error pauses a loop for a second.
 */
export function startWebhookWorker(registry: Pick<Registry, 'webhookDelivery'>, options: WorkerOptions = {}): Worker {
  const delivery = registry.webhookDelivery;
  const owner = options.owner ?? workerOwner();
  const idleMs = options.idleMs ?? 50;
  const lanes = options.lanes ?? 4;
  const stopper = new AbortController();
  const fanOutSignal = signal(stopper.signal);
  const deliverSignals = Array.from({ length: lanes }, () => signal(stopper.signal));
  const wakeLanes = () => {
    for (const s of deliverSignals) s.wake();
  };
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

  const laneLoops = deliverSignals.map(async (laneSignal) => {
    await listenerReady;
    while (!stopper.signal.aborted) {
      try {
        const sent = await delivery.deliverDue(owner, options.batch);
        // A full round may have left more due: other lanes are likely claiming too, so look again at once.
        if (sent > 0) continue;
      } catch (error) {
        await pauseAfterError(error);
        continue;
      }
      await laneSignal.wait(pollMs());
    }
  });

  return {
    async stop() {
      stopper.abort();
      await Promise.all([fanOutLoop, ...laneLoops]);
      await (await listenerReady)?.stop();
    },
  };
}
