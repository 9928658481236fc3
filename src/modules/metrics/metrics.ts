import { type Kysely, sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import type { Clock } from '../../core/clock.ts';
import type { PoolStats } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  db: Kysely<DB>;
  clock: Clock;
  poolStats(): PoolStats;
  hashLoad(): { running: number; waiting: number };
  sessionCacheSize(): number;
}

/** Roster's Prometheus metrics: one registry per process (no prom-client globals). */
export interface Metrics {
  /** One finished HTTP request; `route` is the route's template (`/v1/users/:id`), never the raw URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One database statement. */
  observeQuery(seconds: number, failed: boolean): void;
  /** The exposition text. @throws when a scrape-time gauge's query fails. */
  render(): Promise<string>;
  readonly contentType: string;
}

const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const QUERY_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];

/** Builds the metrics of one process. Per-request work is a Map lookup and a histogram observe. */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new PromRegistry();
  collectDefaultMetrics({ register: registry, prefix: 'roster_' });
  const requests = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const queries = new Histogram({
    name: 'roster_db_query_duration_seconds',
    help: 'Database statements, by outcome',
    labelNames: ['outcome'] as const,
    buckets: QUERY_BUCKETS,
    registers: [registry],
  });
  const queryOk = queries.labels('ok');
  const queryError = queries.labels('error');
  new Gauge({
    name: 'roster_db_pool_connections',
    help: 'Database pool connections by state (waiting: queries waiting for one)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = sources.poolStats();
      this.set({ state: 'in_use' }, stats.total - stats.idle);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  new Gauge({
    name: 'roster_password_hash_queue',
    help: 'Password hashes running and waiting',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const load = sources.hashLoad();
      this.set({ state: 'running' }, load.running);
      this.set({ state: 'waiting' }, load.waiting);
    },
  });
  new Gauge({
    name: 'roster_session_cache_entries',
    help: 'Sessions cached for access-token checks in this process',
    registers: [registry],
    collect() {
      this.set(sources.sessionCacheSize());
    },
  });
  // Both feed gauges come from one read per scrape: the sequence gauge (collected first) starts it.
  let head: Promise<{ seq: number; created_at: Date } | undefined> | null = null;
  const readHead = async () => {
    // The primary key's last entry: one index probe however long the log is.
    const { rows } = await sql<{ seq: number; created_at: Date }>`select seq, created_at from events order by seq desc limit 1`.execute(
      sources.db,
    );
    return rows[0];
  };
  new Gauge({
    name: 'roster_event_feed_head_seq',
    help: 'Sequence number of the newest event',
    registers: [registry],
    async collect() {
      head = readHead();
      const row = await head;
      this.set(row ? Number(row.seq) : 0);
    },
  });
  new Gauge({
    name: 'roster_event_feed_head_age_seconds',
    help: 'Seconds since the newest event was written (a feed consumer at the head lags by at most this)',
    registers: [registry],
    async collect() {
      const row = await (head ?? readHead());
      head = null;
      this.set(row ? Math.max(0, (sources.clock.now().getTime() - new Date(row.created_at).getTime()) / 1000) : 0);
    },
  });
  const scrapes = new Counter({ name: 'roster_metrics_scrapes_total', help: 'Scrapes of /metrics', registers: [registry] });

  // prom-client hashes the label values on every observe; a child per (method, route, status) skips that.
  const children = new Map<string, ReturnType<typeof requests.labels>>();
  return {
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let child = children.get(key);
      if (!child) {
        child = requests.labels(method, route, String(status));
        children.set(key, child);
      }
      child.observe(seconds);
    },
    observeQuery(seconds, failed) {
      (failed ? queryError : queryOk).observe(seconds);
    },
    async render() {
      scrapes.inc();
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}
