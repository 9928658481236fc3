import type { Config } from '../config.ts';
import type { Registry } from '../registry.ts';
import { startNatsPublisher } from './nats-publisher.ts';
import { startWebhookWorker, type Worker, workerOwner } from './webhook-worker.ts';

/**
 * Every background loop a process runs: webhook delivery always, the NATS publisher when ROSTER_NATS_URL is set.
 * Used by the API process (unless ROSTER_WORKER=off) and by `roster worker`.
 */
export function startWorkers(
  registry: Pick<Registry, 'webhookDelivery' | 'db' | 'clock'>,
  config: Config,
  onError: (error: unknown) => void,
): Worker {
  const owner = workerOwner();
  const running: Worker[] = [startWebhookWorker(registry, { owner, onError })];
  if (config.webhooks.natsUrl) {
    running.push(
      startNatsPublisher(registry, {
        url: config.webhooks.natsUrl,
        stream: config.webhooks.natsStream,
        subjectPrefix: config.webhooks.natsSubjectPrefix,
        leaseMs: config.webhooks.leaseSeconds * 1000,
        owner,
        onError,
      }),
    );
  }
  return {
    async stop() {
      await Promise.all(running.map((w) => w.stop()));
    },
  };
}
