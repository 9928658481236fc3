import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { DB } from '../../db/schema.ts';
import { listPlatformFeed } from '../events/events.repository.ts';
import { toEventView } from '../events/events.service.ts';
import { advanceLeasedCursor, leaseFeedCursor } from '../webhooks/webhook-deliveries.repository.ts';

export interface NatsSettings {
  url: string;
  /** The JetStream stream, created when missing. */
  stream: string;
  /** The first subject token (`roster`): subjects are `<prefix>.<tenantSlug>.<eventType>`. */
  subjectPrefix: string;
  /** How long the publisher's lease on the stream's cursor lasts (default 30 s); another process takes over after it. */
  leaseMs?: number;
}

export interface NatsPublisher {
  /**
   * Takes the stream's lease for `owner`, publishes the committed events after its cursor in feed order (each
   * with `Nats-Msg-Id` = the event id, so JetStream drops a re-publish), and moves the cursor. Returns how many it
   * published; 0 when there were none or another process holds the lease.
   * @throws when NATS or the database fails (nothing is skipped: the cursor moves only after the acks).
   */
  publishRound(owner: string, limit?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects to NATS, makes sure the stream exists (subjects `<prefix>.>`), and returns the publisher.
 * @throws when NATS cannot be reached or the stream cannot be created.
 */
export async function createNatsPublisher(deps: { db: Kysely<DB>; clock: Clock }, settings: NatsSettings): Promise<NatsPublisher> {
  const nc: NatsConnection = await connect({ servers: settings.url, name: 'roster' });
  try {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(settings.stream);
    } catch {
      await jsm.streams.add({ name: settings.stream, subjects: [`${settings.subjectPrefix}.>`] });
    }
  } catch (error) {
    await nc.close();
    throw error;
  }
  const js: JetStreamClient = jetstream(nc);
  const cursorName = `nats:${settings.stream}`;
  return {
    async publishRound(owner, limit = 500) {
      const now = deps.clock.now();
      const position = await leaseFeedCursor(deps.db, cursorName, owner, now, new Date(now.getTime() + (settings.leaseMs ?? 30_000)));
      if (!position) return 0;
      const feed = await listPlatformFeed(deps.db, position, limit);
      const last = feed.at(-1);
      if (!last) return 0;
      // Issued in feed order on one connection, so the stream stores them in that order; awaited together.
      await Promise.all(
        feed.map((event) =>
          js.publish(
            `${settings.subjectPrefix}.${event.tenant_slug}.${event.type}`,
            JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: toEventView(event) }),
            { msgID: event.id },
          ),
        ),
      );
      await advanceLeasedCursor(deps.db, cursorName, owner, { txid: last.txid, seq: Number(last.seq) });
      return feed.length;
    },
    async close() {
      await nc.drain();
    },
  };
}
