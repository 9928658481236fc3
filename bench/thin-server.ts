/**
 * The ceiling for `npm run bench`: the thinnest Fastify server running, per route, the one SQL
 * statement a user-directory request needs, as a named prepared statement on a plain pg pool.
 * No auth, no validation, no response schema, no request logging.
 *
 * Env: DATABASE_URL, BENCH_SCHEMA, BENCH_TENANT_ID, PORT, POOL_SIZE.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { userNumberSequence } from '../src/modules/tenants/tenants.repository.ts';

const url = process.env.DATABASE_URL;
const schema = process.env.BENCH_SCHEMA;
const tenantId = process.env.BENCH_TENANT_ID;
if (!url || !schema || !tenantId) throw new Error('DATABASE_URL, BENCH_SCHEMA and BENCH_TENANT_ID are required');
const sequence = userNumberSequence(tenantId);

const pool = new pg.Pool({ connectionString: url, max: Number(process.env.POOL_SIZE ?? 20), options: `-c search_path=${schema}` });

// Find-or-create in one race-safe statement: the row comes back whether it was inserted or already there.
const findOrCreate = {
  name: 'thin_find_or_create',
  text: `INSERT INTO users (tenant_id, id, number, email, search_text, created_at, updated_at)
         VALUES ($1, gen_random_uuid(), nextval($2::regclass), $3, $3, now(), now())
         ON CONFLICT (tenant_id, email) DO UPDATE SET email = EXCLUDED.email
         RETURNING *, (xmax = 0) AS created`,
};
const lookup = {
  name: 'thin_lookup',
  text: 'SELECT * FROM users WHERE tenant_id = $1 AND email = $2 AND erased_at IS NULL',
};
const upsert = {
  name: 'thin_upsert',
  text: `INSERT INTO users (tenant_id, id, number, external_id, first_name, search_text, created_at, updated_at)
         VALUES ($1, gen_random_uuid(), nextval($2::regclass), $3, $4, lower($4), now(), now())
         ON CONFLICT (tenant_id, external_id) DO UPDATE SET first_name = EXCLUDED.first_name, updated_at = now(), version = users.version + 1
         RETURNING *, (xmax = 0) AS created`,
};
const list = {
  name: 'thin_list',
  text: 'SELECT * FROM users WHERE tenant_id = $1 AND erased_at IS NULL ORDER BY created_at, id LIMIT $2',
};

// Errors only (they are counted by the bench); nothing per request.
const app = Fastify({ logger: { level: 'error' } });

app.get('/health', async () => ({ status: 'ok' }));

app.post('/find-or-create', async (request, reply) => {
  const body = request.body as { email: string };
  const { rows } = await pool.query({ ...findOrCreate, values: [tenantId, sequence, body.email.trim().toLowerCase()] });
  const { created, ...user } = rows[0];
  return reply.code(created ? 201 : 200).send({ created, user });
});

app.get('/lookup', async (request, reply) => {
  const { email } = request.query as { email: string };
  const { rows } = await pool.query({ ...lookup, values: [tenantId, email.trim().toLowerCase()] });
  return rows[0] ?? reply.code(404).send({ code: 'USER_NOT_FOUND' });
});

app.put('/by-external-id/:externalId', async (request, reply) => {
  const { externalId } = request.params as { externalId: string };
  const body = request.body as { firstName?: string };
  const { rows } = await pool.query({ ...upsert, values: [tenantId, sequence, externalId, body.firstName ?? null] });
  const { created, ...user } = rows[0];
  return reply.code(created ? 201 : 200).send({ created, user });
});

app.get('/users', async (request) => {
  const limit = Number((request.query as { limit?: string }).limit ?? 50);
  const { rows } = await pool.query({ ...list, values: [tenantId, limit + 1] });
  return { data: rows.slice(0, limit), nextCursor: rows.length > limit ? 'more' : null };
});

async function shutdown(): Promise<void> {
  await app.close();
  await pool.end();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
