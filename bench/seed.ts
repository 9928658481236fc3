/**
 * Seeds users straight into the table, as Roster would store them (fast, and keeps the API's profile clean of
 * seeding). The sequence that numbers them and the search text come from src/, so the seed cannot drift from
 * what the server writes.
 */
import type pg from 'pg';
import { userNumberSequence } from '../src/modules/tenants/tenants.repository.ts';
import type { UsersTable } from '../src/modules/users/users.table.ts';
import { searchText } from '../src/modules/users/users.ts';
import { seedEmail, seedExternalId } from './scenario.ts';
import { SCHEMA, SEED_USERS } from './settings.ts';

/** The seeded columns, in the order of the arrays sent for them (typed: a renamed column fails to compile). */
const SEEDED = ['external_id', 'email', 'first_name', 'last_name', 'name', 'search_text'] as const satisfies readonly (keyof UsersTable)[];

/** Seed user `i`: an email, an external id and a name. */
function seedUser(i: number): Record<(typeof SEEDED)[number], string> {
  const user = {
    external_id: seedExternalId(i),
    email: seedEmail(i),
    phone: null,
    first_name: 'Seed',
    last_name: `User${i}`,
    name: `Seed User${i}`,
  };
  return { ...user, search_text: searchText(user) };
}

/** Rows per INSERT: each batch commits on its own, so no seeding transaction runs long on a shared server. */
const BATCH = 5_000;

/** Inserts SEED_USERS users into the tenant, the newest last (created one second apart), in batches. */
export async function seed(admin: pg.Client, tenantId: string): Promise<void> {
  const started = Date.now();
  const arrays = SEEDED.map((_, i) => `$${i + 5}::text[]`).join(', ');
  for (let from = 0; from < SEED_USERS; from += BATCH) {
    const users = Array.from({ length: Math.min(BATCH, SEED_USERS - from) }, (_, i) => seedUser(from + i));
    const columns = SEEDED.map((column) => users.map((user) => user[column]));
    await admin.query(
      `INSERT INTO ${SCHEMA}.users (tenant_id, id, number, ${SEEDED.join(', ')}, created_at, updated_at)
       SELECT $1, gen_random_uuid(), nextval($2::regclass), ${SEEDED.map((c) => `s.${c}`).join(', ')},
              now() - make_interval(secs => $3 - ($4 + s.n - 1)), now() - make_interval(secs => $3 - ($4 + s.n - 1))
       FROM unnest(${arrays}) WITH ORDINALITY AS s(${SEEDED.join(', ')}, n)`,
      [tenantId, `${SCHEMA}.${userNumberSequence(tenantId)}`, SEED_USERS, from, ...columns],
    );
  }
  // Fresh statistics: with autovacuum off, the table would keep its empty-table estimates (issue 16).
  await admin.query(`ANALYZE ${SCHEMA}.users`);
  process.stdout.write(`seeded ${SEED_USERS} users in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
