import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startChild, stopChild } from '../../../bench/children.ts';
import { createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { testDatabaseUrl, testSchema } from '../../helpers/backend.ts';

/**
 * The NATS JetStream publisher against the real server on 127.0.0.1:4222, in a stream and subject space of this
 * test's own (deleted afterwards): every event once, in feed order per subject, and none missing after the
 * publishing process is killed with SIGKILL and another takes over.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const stream = `feed_test_${process.pid}`;
const prefix = `feedtest${process.pid}`;
let t: TestApp;
let nc: NatsConnection;
let jsm: JetStreamManager;
const children: Child[] = [];

beforeAll(async () => {
  t = await createTestApp();
  // The stream is this run's own, so its cursor would start at the beginning of the feed and publish every event
  // the suite wrote before (a 100k-row import among them): start it at the feed's end instead.
  await sql`insert into feed_cursors (name, txid, seq)
    select ${`nats:${stream}`}, coalesce((select txid from events order by txid desc, seq desc limit 1), '0'::xid8),
           coalesce((select seq from events order by txid desc, seq desc limit 1), 0)
    on conflict (name) do nothing`.execute(t.registry.db);
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  for (const c of children) await stopChild(c, 2000);
  await jsm.streams.delete(stream).catch(() => {});
  await nc.close();
  await t.close();
});

function startPublisher(name: string): Child {
  const env = {
    ...process.env,
    DATABASE_URL: testDatabaseUrl,
    ROSTER_DB_SCHEMA: testSchema,
    ROSTER_NATS_URL: NATS_URL,
    ROSTER_NATS_STREAM: stream,
    ROSTER_NATS_SUBJECT_PREFIX: prefix,
    ROSTER_WEBHOOK_LEASE_SECONDS: '3',
    LOG_LEVEL: 'silent',
  };
  const child = startChild(
    name,
    ['--import', 'tsx', join('src', 'cli', 'main.ts'), 'worker'],
    env,
    join(import.meta.dirname, '..', '..', '..'),
  );
  children.push(child);
  return child;
}

/** Every message in the stream on the tenant's subjects: [subject, msg id]. */
async function published(slug: string): Promise<{ subject: string; id: string }[]> {
  let info: Awaited<ReturnType<JetStreamManager['streams']['info']>>;
  try {
    info = await jsm.streams.info(stream);
  } catch {
    return [];
  }
  const out: { subject: string; id: string }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg?.subject.startsWith(`${prefix}.${slug}.`)) out.push({ subject: msg.subject, id: msg.header.get('Nats-Msg-Id') });
  }
  return out;
}

describe('NATS JetStream publisher', () => {
  it('publishes every event once, in feed order per subject, across a SIGKILL of the publisher', { timeout: 150_000 }, async () => {
    const tenant = await createTenant(t);
    const create = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `nats${i}@example.com` } });
        expect(res.statusCode).toBe(201);
      }
    };
    await create(0, 15);
    const first = startPublisher('publisher-1');
    for (const until = Date.now() + 60_000; (await published(tenant.slug)).length === 0 && Date.now() < until; ) await sleep(200);
    expect((await published(tenant.slug)).length, first.output.join('\n')).toBeGreaterThan(0);
    first.process.kill('SIGKILL');
    await first.exited;
    await create(15, 30);
    const second = startPublisher('publisher-2');

    let feed: { id: string; type: string }[] = [];
    for (const until = Date.now() + 60_000; feed.length < 32 && Date.now() < until; await sleep(50)) {
      feed = (await t.call({ method: 'GET', url: '/v1/events?limit=200', headers: tenant.auth })).json().data;
    }
    expect(feed.length).toBe(32); // tenant.created, api_key.created, 30 × user.created
    let got: { subject: string; id: string }[] = [];
    for (const until = Date.now() + 60_000; Date.now() < until; await sleep(200)) {
      got = await published(tenant.slug);
      if (feed.every((e) => got.some((g) => g.id === e.id))) break;
    }
    expect(
      feed.filter((e) => !got.some((g) => g.id === e.id)).map((e) => e.id),
      second.output.join('\n'),
    ).toEqual([]);
    // Once each: JetStream dropped any re-publish by its Nats-Msg-Id.
    expect(new Set(got.map((g) => g.id)).size).toBe(got.length);
    expect(got.find((g) => g.id === feed[2].id)?.subject).toBe(`${prefix}.${tenant.slug}.user.created`);
    // In feed order on each subject.
    for (const subject of new Set(got.map((g) => g.subject))) {
      const order = got.filter((g) => g.subject === subject).map((g) => g.id);
      expect(order, subject).toEqual(feed.filter((e) => order.includes(e.id)).map((e) => e.id));
    }
  });
});
