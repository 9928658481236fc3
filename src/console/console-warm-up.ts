import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ActorContext } from '../core/context.ts';
import type { LazyValidators } from '../http/validation.ts';
import type { Registry } from '../registry.ts';

/** A tenant id no tenant has: the warm-up's list query reads nobody's users. */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

/** The hashed entry assets index.html links (its script and stylesheet). */
export function entryAssets(indexHtml: string): string[] {
  return [...indexHtml.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
}

/**
 * Does, once the server is ready and in the background, the one-off work the console's first load would otherwise
 * wait for (issue 15: an interactive users list in under 1 s, cold): compiles the validators of the console's GET
 * routes (the first compilation of each Ajv instance alone costs 100–250 ms), serves index.html and the entry assets
 * once through the app (the static file path's code and the files' stat and open), and runs the users list query
 * once for no tenant (the list path's code, Kysely's compilation of it, and a pool connection). What each warms is
 * exactly what a request would do; the request then finds it done. Never throws: a failure here is met again, and
 * reported, by the request that would have done the work.
 */
export async function warmConsole(
  app: FastifyInstance,
  registry: Pick<Registry, 'usersQuery'>,
  validators: LazyValidators,
  options: { prefix: string; distDir: string },
): Promise<void> {
  await validators.precompile((route) => route.method === 'GET' && route.url.startsWith(`${options.prefix}/api/`));
  const indexFile = join(options.distDir, 'index.html');
  if (existsSync(indexFile)) {
    await app.inject({ method: 'GET', url: `${options.prefix}/` }).catch(() => {});
    for (const asset of entryAssets(readFileSync(indexFile, 'utf8'))) {
      await app.inject({ method: 'GET', url: asset, headers: { 'accept-encoding': 'br, gzip' } }).catch(() => {});
    }
  }
  // A read: no event, no actor recorded anywhere.
  const nobody: ActorContext = { tenantId: NO_TENANT, actor: 'warm-up', brand: null, scopes: null, source: null, requestId: null };
  await registry.usersQuery.listUsers(nobody, { limit: 25 }).catch(() => {});
}
