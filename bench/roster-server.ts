/** The compiled Roster server as a bench child on PostgreSQL: a fresh schema, one tenant and an all-scopes key. */
import type pg from 'pg';
import { type Child, freePort, startChild, waitHealthy } from './children.ts';
import { json } from './scenario.ts';
import { ADMIN_TOKEN, DATABASE_URL, ROSTER_NODE_ARGS, root } from './settings.ts';

export interface RosterServer {
  child: Child;
  url: string;
  tenantId: string;
  /** The tenant key's bearer header and a JSON content type. */
  headers: Record<string, string>;
}

/** Answers the body of a request that must succeed; throws with the status and body otherwise. */
export async function call(url: string, init: RequestInit & { body?: string }): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

/**
 * Drops and recreates `schema`, builds `dist/` when stale, starts `node dist/main.js` on it and waits for `/ready`,
 * then makes a tenant (`slug`) with a key. Throws when the build, the start or a setup request fails.
 */
export async function startRosterServer(
  admin: pg.Client,
  schema: string,
  slug: string,
  env: NodeJS.ProcessEnv = {},
): Promise<RosterServer> {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const { ensureBuilt } = await import('../scripts/build.mjs');
  await ensureBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startChild(
    'roster',
    [...ROSTER_NODE_ARGS, 'dist/main.js'],
    {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL,
      ROSTER_DB_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      ROSTER_ADMIN_TOKEN: ADMIN_TOKEN,
      ...env,
    },
    root,
  );
  await waitHealthy(child, `${url}/ready`, 180_000);
  const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, ...json };
  const tenant = await (
    await call(`${url}/v1/admin/tenants`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ slug, name: slug }) })
  ).json();
  const { secret } = await (
    await call(`${url}/v1/admin/tenants/${tenant.id}/keys`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ name: 'bench' }),
    })
  ).json();
  return { child, url, tenantId: tenant.id, headers: { authorization: `Bearer ${secret}`, ...json } };
}
