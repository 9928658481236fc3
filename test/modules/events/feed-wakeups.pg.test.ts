import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant, testDatabase } from '../../helpers/app.ts';
import { testDatabaseUrl } from '../../helpers/backend.ts';

let t: TestApp;
let tenant: TestTenant;
let listener: pg.Client;
let schema: string;
const wakeUps: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ ownSchema: true });
  schema = (await testDatabase()).schema as string;
  tenant = await createTenant(t);
  listener = new pg.Client({ connectionString: testDatabaseUrl });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.payload?.startsWith(`${schema}:`)) wakeUps.push(n.payload);
  });
  await listener.query('LISTEN roster_events');
});
afterAll(async () => {
  await listener?.end();
  await t?.close();
});

async function wakeUpsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const before = wakeUps.length;
  await work();
  // A NOTIFY reaches listeners at its transaction's commit; give the socket a moment to deliver it.
  await sleep(300);
  return wakeUps.slice(before);
}

const findOrCreate = (email: string) =>
  t.call({ method: 'POST', url: '/v1/users/find-or-create', headers: tenant.auth, payload: { email } });

describe('webhook wake-ups (PostgreSQL NOTIFY)', () => {
  it('a write with events wakes the workers once; a find-or-create that finds its user, and writes nothing, sends none', async () => {
    const created = await wakeUpsDuring(async () => expect((await findOrCreate('wake@example.com')).statusCode).toBe(201));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatch(new RegExp(`^${schema}:e:\\d+$`));

    // The zero-row event insert of a found user must neither notify nor take a transaction id (which would make a
    // read-only request flush the WAL at commit).
    const found = await wakeUpsDuring(async () => {
      for (let i = 0; i < 5; i++) expect((await findOrCreate('wake@example.com')).statusCode).toBe(200);
    });
    expect(found).toEqual([]);
  });
});
