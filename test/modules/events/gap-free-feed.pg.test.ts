import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformContext } from '../../../src/core/context.ts';
import { insertEvents, type NewEvent } from '../../../src/modules/events/events.repository.ts';
import { createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const WRITERS = 16;
const READERS = 3;
const RUN_MS = 4000;

function event(i: string): NewEvent {
  return {
    id: crypto.randomUUID(),
    type: 'gap.test',
    userId: null,
    actor: 'test',
    source: null,
    requestId: null,
    changes: null,
    data: { i },
    createdAt: new Date(),
  };
}

describe('gap-free feed on PostgreSQL', () => {
  it('16 writers with random transaction lengths and rollbacks, 3 readers polling: each reader sees every committed event once, in one order, and no rolled-back one', async () => {
    const tenant = await createTenant(t);
    const ctx = platformContext(tenant.id, { actor: 'cli', requestId: null });
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    let writing = true;
    let stoppedAt = 0;

    async function writer(w: number): Promise<void> {
      for (let n = 0; writing; n++) {
        const batch = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, k) => event(`${w}.${n}.${k}`));
        const rollback = Math.random() < 0.2;
        try {
          await t.registry.db.transaction().execute(async (trx) => {
            // Some transactions take their id long before they write their events (an import's long transaction).
            if (Math.random() < 0.5) await sql`SELECT pg_current_xact_id()`.execute(trx);
            await sleep(Math.random() * 60);
            await insertEvents(trx, tenant.id, batch.slice(0, 1));
            await sleep(Math.random() * (Math.random() < 0.1 ? 400 : 40));
            await insertEvents(trx, tenant.id, batch.slice(1));
            if (rollback) throw new Error('rollback');
          });
          for (const e of batch) committed.add(e.id);
        } catch (error) {
          if ((error as Error).message !== 'rollback') throw error;
          for (const e of batch) rolledBack.add(e.id);
        }
      }
    }

    async function reader(): Promise<string[]> {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await t.registry.events.list(ctx, { after, types: 'gap.*', limit: 50 });
        for (const e of page.data) seen.push(e.id);
        const last = page.data.at(-1);
        if (last) after = last.cursor;
        // Done once the writers stopped and this reader holds everything that committed.
        // A reader that skipped an event would wait forever: after 5 s of quiet, what it holds is its answer.
        if (!writing && page.data.length === 0 && (seen.length >= committed.size || Date.now() - stoppedAt > 5000)) return seen;
        if (page.data.length === 0) await sleep(5);
      }
    }

    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const readers = Array.from({ length: READERS }, () => reader());
    await sleep(RUN_MS);
    stoppedAt = Date.now();
    writing = false;
    await Promise.all(writers);
    const sequences = await Promise.all(readers);

    const final = (await t.registry.events.list(ctx, { types: 'gap.*', limit: 200 })).data.map((e) => e.id);
    expect(committed.size).toBeGreaterThan(100);
    expect(rolledBack.size).toBeGreaterThan(0);
    for (const seen of sequences) {
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => rolledBack.has(id))).toEqual([]);
      expect([...committed].filter((id) => !seen.includes(id))).toEqual([]);
      expect(seen.length).toBe(committed.size);
      // One stable order: every reader saw the events in the same order.
      expect(seen).toEqual(sequences[0]);
    }
    // The order the readers saw is the order the feed keeps (first page of it).
    expect(sequences[0].slice(0, final.length)).toEqual(final);
  });
});
