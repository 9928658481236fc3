/**
 * `npm run bench:sdk`: the SDK's overhead over raw fetch on users.get. One in-process Roster (PGlite) on a port; the
 * same user read BENCH_SDK_ROUNDS × BENCH_SDK_BATCH times by each side, sides alternating per batch so load drift
 * hits both alike. Prints the median per-request time of each and the overhead. Figures are only meaningful on a
 * quiet machine.
 */
import { Roster } from '../packages/sdk/src/index.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { createRegistry } from '../src/registry.ts';

const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 20);
const BATCH = Number(process.env.BENCH_SDK_BATCH ?? 200);
const ADMIN = 'bench-sdk-admin-token-0123456789abcdef';

async function main(): Promise<void> {
  const database = await openDatabase({ url: null, dataDir: null });
  await migrateToLatest(database.db);
  const registry = await createRegistry(loadConfig({ LOG_LEVEL: 'silent', ROSTER_ADMIN_TOKEN: ADMIN }), { database, migrate: false });
  const app = await buildApp(registry, { docs: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const tenant = await (
    await fetch(`${url}/v1/admin/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ slug: 'bench-sdk', name: 'Bench' }) })
  ).json();
  const key = (
    await (
      await fetch(`${url}/v1/admin/tenants/${tenant.id}/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench' }) })
    ).json()
  ).secret as string;
  const roster = new Roster({ baseUrl: url, apiKey: key });
  const user = await roster.users.create({ email: 'bench-sdk@example.com' });
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };

  const raw = async () => {
    const res = await fetch(`${url}/v1/users/${user.id}`, { headers });
    if (!res.ok) throw new Error(`raw: ${res.status}`);
    return res.json();
  };
  const sdk = () => roster.users.get(user.id);
  const times: Record<'raw' | 'sdk', number[]> = { raw: [], sdk: [] };
  for (let i = 0; i < BATCH; i++) {
    await raw(); // warm-up
    await sdk();
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of (round % 2
      ? [
          ['sdk', sdk],
          ['raw', raw],
        ]
      : [
          ['raw', raw],
          ['sdk', sdk],
        ]) as ['raw' | 'sdk', () => Promise<unknown>][]) {
      const start = performance.now();
      for (let i = 0; i < BATCH; i++) await run();
      times[name].push((performance.now() - start) / BATCH);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const rawMs = median(times.raw);
  const sdkMs = median(times.sdk);
  process.stdout.write(
    `users.get, ${ROUNDS} rounds × ${BATCH}: raw fetch ${(rawMs * 1000).toFixed(0)} µs, SDK ${(sdkMs * 1000).toFixed(0)} µs, overhead ${(((sdkMs - rawMs) / rawMs) * 100).toFixed(1)} %\n`,
  );
  await app.close();
  await registry.close();
}

await main();
