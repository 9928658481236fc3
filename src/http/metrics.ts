import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';
import { sha256 } from '../core/secrets.ts';
import type { Registry } from '../registry.ts';
import { presentedCredential } from './auth.ts';

type MetricsRegistry = Pick<Registry, 'metrics' | 'adminAuth' | 'config'>;

/**
 * Times every response into the request histogram (a callback hook: no promise per request), and serves
 * GET /metrics on the public port unless ROSTER_METRICS_PORT moves it to a port of its own.
 */
export function registerMetrics(app: FastifyInstance, registry: MetricsRegistry): void {
  const { metrics } = registry;
  app.addHook('onResponse', (request, reply, done) => {
    // The template, not the URL: ids and emails in paths would make one series per user.
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (registry.config.metricsPort !== null) return;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!(await mayScrape(registry, presentedCredential(request)))) {
      throw new AppError(
        presentedCredential(request) ? 'ADMIN_TOKEN_INVALID' : 'AUTH_REQUIRED',
        'Send the admin or metrics token as Authorization: Bearer <token>',
      );
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });
}

/** The admin token, or ROSTER_METRICS_TOKEN when set, may read the metrics. */
async function mayScrape(registry: MetricsRegistry, token: string | null): Promise<boolean> {
  if (!token) return false;
  const expected = registry.config.metricsToken;
  if (expected && timingSafeEqual(sha256(token), sha256(expected))) return true;
  return registry.adminAuth.verify(token);
}

/**
 * Serves only GET /metrics on its own port (ROSTER_METRICS_PORT), so it need not be reachable from the public
 * listener. The same tokens guard it.
 * @throws when the port cannot be bound.
 */
export async function startMetricsServer(registry: MetricsRegistry, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const token = presentedCredential({ headers: req.headers } as FastifyRequest);
    mayScrape(registry, token)
      .then(async (ok) => {
        if (!ok) {
          res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
          return;
        }
        const body = await registry.metrics.render();
        res.writeHead(200, { 'content-type': registry.metrics.contentType }).end(body);
      })
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
