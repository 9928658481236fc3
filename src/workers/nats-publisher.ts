import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsPublisher, NatsSettings } from '../modules/streaming/nats-publisher.service.ts';
import type { Registry } from '../registry.ts';
import type { Worker } from './webhook-worker.ts';

/**
 * The NATS JetStream publisher loop: connects (retrying every 5 s while NATS is down), then publishes rounds until
 * stopped. One process at a time publishes a stream (a lease on its cursor); another takes over when it dies.
 */
export function startNatsPublisher(
  registry: Pick<Registry, 'db' | 'clock'>,
  options: NatsSettings & { owner: string; idleMs?: number; onError?: (error: unknown) => void },
): Worker {
  const stopper = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopper.signal }).catch(() => {});
  let publisher: NatsPublisher | null = null;
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      try {
        // Loaded here: a process without ROSTER_NATS_URL never pays for the NATS client's import.
        publisher ??= await (await import('../modules/streaming/nats-publisher.service.ts')).createNatsPublisher(registry, options);
        const published = await publisher.publishRound(options.owner);
        if (published === 0) await pause(options.idleMs ?? 200);
      } catch (error) {
        options.onError?.(error);
        await pause(publisher ? 1000 : 5000);
      }
    }
    await publisher?.close();
  })();
  return {
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}
