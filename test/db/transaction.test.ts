/** afterCommit: hooks run once the transaction committed, in order, never after a rollback. */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { afterCommit, inTransaction } from '../../src/db/transaction.ts';
import { testDatabase } from '../helpers/app.ts';

// Opening (and on PGlite migrating) the database can take long on a busy machine.
beforeAll(() => testDatabase().then(() => {}), 120_000);

describe('afterCommit', () => {
  it('runs hooks after the commit, when another connection already sees the change', async () => {
    const { db } = await testDatabase();
    const seen: string[] = [];
    const marker = `after-commit-${process.pid}-${Date.now()}`;
    let visibleAtHook: Promise<boolean> | null = null;
    await inTransaction(db, async (trx) => {
      await sql`insert into roster_settings (key, value) values (${marker}, '1')`.execute(trx);
      afterCommit(trx, () => {
        seen.push('first');
        visibleAtHook = sql<{ n: number }>`select count(*)::int as n from roster_settings where key = ${marker}`
          .execute(db)
          .then((r) => r.rows[0]?.n === 1);
      });
      afterCommit(trx, () => seen.push('second'));
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['first', 'second']);
    expect(await visibleAtHook).toBe(true);
    await sql`delete from roster_settings where key = ${marker}`.execute(db);
  });

  it('never runs a hook of a transaction that rolled back', async () => {
    const { db } = await testDatabase();
    let ran = false;
    await expect(
      inTransaction(db, async (trx) => {
        afterCommit(trx, () => {
          ran = true;
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(ran).toBe(false);
  });

  it('runs at once on a plain executor and refuses a transaction it cannot watch', async () => {
    const { db } = await testDatabase();
    let ran = false;
    afterCommit(db, () => {
      ran = true;
    });
    expect(ran).toBe(true);
    await db.transaction().execute(async (trx) => {
      expect(() => afterCommit(trx, () => {})).toThrow(/inTransaction/);
    });
  });

  it('a failing hook neither hides the result nor stops the next hook', async () => {
    const { db } = await testDatabase();
    let next = false;
    const result = await inTransaction(db, async (trx) => {
      afterCommit(trx, () => {
        throw new Error('hook failed');
      });
      afterCommit(trx, () => {
        next = true;
      });
      return 42;
    });
    expect(result).toBe(42);
    expect(next).toBe(true);
  });
});

describe('inTransaction options', () => {
  it('a read-only repeatable read transaction refuses writes and reads one snapshot', async () => {
    const { db } = await testDatabase();
    const marker = `snapshot-${process.pid}-${Date.now()}`;
    await expect(
      inTransaction(db, (trx) => sql`insert into roster_settings (key, value) values (${marker}, '1')`.execute(trx), { readOnly: true }),
    ).rejects.toThrow(/read-only/);
    const level = await inTransaction(db, (trx) => sql<{ l: string }>`select current_setting('transaction_isolation') as l`.execute(trx), {
      isolation: 'repeatable read',
      readOnly: true,
    });
    expect(level.rows[0]?.l).toBe('repeatable read');
  });
});
