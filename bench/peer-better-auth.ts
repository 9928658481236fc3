/**
 * better-auth 1.7 as `npm run bench:peers` runs it: email + password with its admin plugin, on its own PostgreSQL
 * database, argon2id with Roster's parameters (@node-rs/argon2, the same library), rate limiting off, served by
 * Node's http server through better-auth's own handler. Creates its tables (better-auth's migrations) on start.
 *
 * Env: BETTER_AUTH_DATABASE_URL, PORT, BETTER_AUTH_SECRET.
 */
import { createServer } from 'node:http';
import { hash, verify } from '@node-rs/argon2';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { admin } from 'better-auth/plugins/admin';
import pg from 'pg';
import { ARGON2ID } from '../src/modules/credentials/password-hasher.ts';

const url = process.env.BETTER_AUTH_DATABASE_URL;
const port = Number(process.env.PORT ?? 0);
if (!url) throw new Error('BETTER_AUTH_DATABASE_URL is required');
const baseURL = `http://127.0.0.1:${port}`;

const auth = betterAuth({
  baseURL,
  secret: process.env.BETTER_AUTH_SECRET ?? 'bench-better-auth-secret-0123456789abcdef',
  database: new pg.Pool({ connectionString: url, max: 20 }),
  emailAndPassword: {
    enabled: true,
    autoSignIn: true,
    password: {
      hash: (password) => hash(password, ARGON2ID),
      verify: ({ hash: stored, password }) => verify(stored, password),
    },
  },
  plugins: [admin()],
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  trustedOrigins: [baseURL],
  // No per-request logging, as Roster runs at LOG_LEVEL=warn.
  logger: { level: 'error' },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
const server = createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  handler(request, response);
});
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
process.once('SIGINT', () => server.close(() => process.exit(0)));
server.listen(port, '127.0.0.1');
