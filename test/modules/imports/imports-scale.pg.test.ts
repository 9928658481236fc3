/**
 * Bulk import at scale on PostgreSQL (issue 13): 100k rows with new, changed, unchanged and invalid ones (exact
 * counts, events per row), an import racing the API on the same emails, and an export that is one snapshot while
 * users change under it.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { importFile, ndjson, runImports, upload } from '../../helpers/imports.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ownSchema: true });
});
afterAll(() => t.close());

async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  const result = await query.execute(t.registry.db);
  return Number(result.rows[0].n);
}

describe('import at scale (PostgreSQL)', () => {
  it('imports 100k rows: new, changed, unchanged and invalid, with exact counts and one event per change', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const user = (i: number, name: string) => ({ email: `user${i}@example.com`, name, attributes: { i, tier: 'gold' } });
    // 30,000 users to start from.
    const seed = ndjson(Array.from({ length: 30_000 }, (_, i) => user(i, `Seed ${i}`)));
    const seeded = await importFile(t, tenant, seed, 'application/x-ndjson', '', 1000);
    expect(seeded.job).toMatchObject({ status: 'succeeded', created: 30_000, failed: 0 });

    // 100,000 rows: 20,000 changed, 10,000 unchanged, 65,000 new, and every 20th row (5,000) invalid.
    const rows: unknown[] = [];
    const invalid: number[] = [];
    let next = 0;
    for (let row = 1; row <= 100_000; row++) {
      if (row % 20 === 0) {
        rows.push({ email: `broken-${row}`, name: 'Broken' });
        invalid.push(row);
        continue;
      }
      const i = next++;
      rows.push(i < 20_000 ? user(i, `Changed ${i}`) : user(i, i < 30_000 ? `Seed ${i}` : `New ${i}`));
    }
    const { job, id } = await importFile(t, tenant, ndjson(rows), 'application/x-ndjson', '', 1000);
    expect(job).toMatchObject({
      status: 'succeeded',
      rowsRead: 100_000,
      created: 65_000,
      updated: 20_000,
      unchanged: 10_000,
      failed: 5_000,
    });
    expect(job.rate).toBeGreaterThan(0);

    const firstPage = (await t.call({ method: 'GET', url: `/v1/imports/${id}/errors?limit=1000`, headers: tenant.auth })).json();
    expect(firstPage.data).toHaveLength(1000);
    expect(firstPage.data[0]).toMatchObject({ row: 20, field: 'email', code: 'invalid_email', identifiers: { email: 'broken-20' } });
    let errors = firstPage.data.length;
    let cursor = firstPage.nextCursor;
    const rowsSeen = firstPage.data.map((e: any) => e.row);
    while (cursor) {
      const page = (
        await t.call({ method: 'GET', url: `/v1/imports/${id}/errors?limit=1000&cursor=${cursor}`, headers: tenant.auth })
      ).json();
      errors += page.data.length;
      rowsSeen.push(...page.data.map((e: any) => e.row));
      cursor = page.nextCursor;
    }
    expect(errors).toBe(5_000);
    expect(rowsSeen).toEqual(invalid);

    const tid = tenant.id;
    expect(await count(sql`select count(*) as n from users where tenant_id = ${tid}::uuid`)).toBe(95_000);
    expect(await count(sql`select count(distinct email) as n from users where tenant_id = ${tid}::uuid`)).toBe(95_000);
    expect(await count(sql`select count(*) as n from events where tenant_id = ${tid}::uuid and type = 'user.created'`)).toBe(95_000);
    expect(await count(sql`select count(*) as n from events where tenant_id = ${tid}::uuid and type = 'user.updated'`)).toBe(20_000);
    expect(await count(sql`select count(*) as n from users where tenant_id = ${tid}::uuid and name like 'Changed %' and version = 2`)).toBe(
      20_000,
    );
    // The change log of an imported update is the per-request path's.
    const changed = await sql<{ changes: unknown }>`
      select e.changes from events e join users u on u.id = e.user_id
      where e.tenant_id = ${tid}::uuid and e.type = 'user.updated' and u.email = 'user7@example.com'`.execute(t.registry.db);
    expect(changed.rows.map((r) => r.changes)).toEqual([{ name: { before: 'Seed 7', after: 'Changed 7' } }]);
  }, 600_000);

  it('an import racing the API on the same emails ends with one user per email', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const n = 3000;
    const file = ndjson(Array.from({ length: n }, (_, i) => ({ email: `race${i}@example.com`, name: `Imported ${i}` })));
    const created = await upload(t, tenant, file, 'application/x-ndjson');
    expect(created.statusCode).toBe(202);
    const api = (async () => {
      for (let start = 0; start < n; start += 100) {
        await Promise.all(
          Array.from({ length: 50 }, (_, k) =>
            t.call({
              method: 'POST',
              url: '/v1/users/find-or-create',
              headers: tenant.auth,
              payload: { email: `race${start + k * 2}@example.com` },
            }),
          ),
        );
      }
    })();
    await Promise.all([api, runImports(t, 200)]);
    const job = (await t.call({ method: 'GET', url: `/v1/imports/${created.json().id}`, headers: tenant.auth })).json();
    expect(job).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(job.created + job.updated + job.unchanged).toBe(n);
    const tid = tenant.id;
    expect(await count(sql`select count(*) as n from users where tenant_id = ${tid}::uuid`)).toBe(n);
    expect(await count(sql`select count(*) as n from users where tenant_id = ${tid}::uuid and name like 'Imported %'`)).toBe(n);
    expect(await count(sql`select count(*) as n from events where tenant_id = ${tid}::uuid and type = 'user.created'`)).toBe(n);
  }, 300_000);

  it('an export is one snapshot: users changed or created while it streams appear as they were, once', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const n = 2500;
    await importFile(
      t,
      tenant,
      ndjson(Array.from({ length: n }, (_, i) => ({ email: `snap${i}@example.com`, name: 'Before' }))),
      'application/x-ndjson',
      '',
      1000,
    );
    const ctx = { tenantId: tenant.id, actor: 'test', brand: null, scopes: null, source: null, requestId: null };
    const stream = await t.registry.usersExport.exportUsers(ctx, {}, new Set());
    const seen: any[] = [];
    for (let i = 0; i < 11; i++) {
      const next = await stream.next();
      if (!next.done && next.value.kind === 'user') seen.push(next.value.user);
    }
    // Meanwhile: every user renamed (one statement) and new users created through the API.
    await sql`update users set name = 'After', version = version + 1 where tenant_id = ${tenant.id}::uuid`.execute(t.registry.db);
    for (let i = 0; i < 20; i++) {
      await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `late${i}@example.com` } });
    }
    for await (const item of stream) if (item.kind === 'user') seen.push(item.user);
    expect(seen).toHaveLength(n);
    expect(new Set(seen.map((u) => u.id)).size).toBe(n);
    expect(seen.every((u) => u.name === 'Before')).toBe(true);
    const after = (await t.call({ method: 'GET', url: '/v1/users/export', headers: tenant.auth })).body.trim().split('\n');
    expect(after).toHaveLength(n + 20);
  }, 300_000);
});
