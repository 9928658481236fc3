/**
 * A bulk import survives `kill -9` of the real server process mid-import: after a restart the job resumes from its
 * last checkpoint and finishes; every row is applied exactly once (one user per email, one user.created per user).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adminQuery, createTenantOver, freshStorage, killAll, type ServerProcess, type Storage, startServerProcess } from './process.ts';

const cleanups: Storage[] = [];
afterEach(async () => {
  await killAll();
  for (const storage of cleanups.splice(0)) await storage.cleanup();
});

async function job(server: ServerProcess, auth: Record<string, string>, id: string): Promise<any> {
  return (await fetch(`${server.url}/v1/imports/${id}`, { headers: auth })).json();
}

describe('import and kill -9 (PostgreSQL, real server process)', () => {
  it('resumes after kill -9 from its checkpoint and applies every row once', async () => {
    const storage = await freshStorage('import_kill');
    cleanups.push(storage);
    storage.env.ROSTER_IMPORT_BATCH_SIZE = '250';
    storage.env.ROSTER_IMPORT_LEASE_SECONDS = '3';
    const first = await startServerProcess(storage);
    const tenant = await createTenantOver(first, 'importkill');
    const n = 12_000;
    const file = Array.from({ length: n }, (_, i) => JSON.stringify({ email: `k${i}@example.com`, name: `K ${i}` })).join('\n');
    const res = await fetch(`${first.url}/v1/imports`, {
      method: 'POST',
      headers: { ...tenant.auth, 'content-type': 'application/x-ndjson', 'idempotency-key': 'kill-test' },
      body: file,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    // Kill it once some batches are committed and the job is still running.
    let before: any;
    for (;;) {
      before = await job(first, tenant.auth, id);
      if (before.rowsRead >= 1000 || before.status !== 'queued') {
        if (before.rowsRead >= 1000) break;
      }
      if (before.status === 'succeeded') throw new Error('the import finished before the kill; make it longer');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    expect(before.status).toBe('running');
    expect(before.rowsRead).toBeLessThan(n);

    const second = await startServerProcess(storage);
    let after: any;
    for (let i = 0; i < 1200; i++) {
      after = await job(second, tenant.auth, id);
      if (after.status === 'succeeded' || after.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toMatchObject({ status: 'succeeded', rowsRead: n, created: n, updated: 0, unchanged: 0, failed: 0 });
    const schema = storage.schema as string;
    const [users] = await adminQuery(
      `select count(*)::int as n, count(distinct email)::int as d from ${schema}.users where tenant_id = $1`,
      [tenant.id],
    );
    expect(users).toEqual({ n, d: n });
    const [events] = await adminQuery(
      `select count(*)::int as n, count(distinct user_id)::int as d from ${schema}.events where tenant_id = $1 and type = 'user.created'`,
      [tenant.id],
    );
    expect(events).toEqual({ n, d: n });
    const finished = await adminQuery(`select count(*)::int as n from ${schema}.events where tenant_id = $1 and type = 'import.finished'`, [
      tenant.id,
    ]);
    expect(finished[0].n).toBe(1);
  }, 300_000);
});
