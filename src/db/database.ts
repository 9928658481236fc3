import { mkdirSync } from 'node:fs';
import { type DatabaseIntrospector, Kysely, type LogEvent, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { listenOnPostgres } from './listen.ts';
import { migrations } from './migrations/index.ts';
import { PreparingClient } from './prepared.ts';
import type { DB } from './schema.ts';

export type { DB };
export type Backend = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  backend: Backend;
  /** The PostgreSQL schema Roster uses, when one is configured; prepareDatabase creates it. */
  schema: string | null;
  /** Closes the pool or the embedded database. */
  close(): Promise<void>;
  /** Connections of the PostgreSQL pool now (PGlite: one, never waiting). */
  poolStats(): PoolStats;
  /**
   * Sets the one function told of every statement's duration (metrics); null stops it. Kysely times each
   * statement anyway, so observing costs a function call.
   */
  observeQueries(observer: QueryObserver | null): void;
  /**
   * Listens on a NOTIFY channel: PostgreSQL over a dedicated connection (reconnected with backoff), PGlite in
   * process. `onState` is told when the listener is (re)established (true) and when it is lost (false): while
   * lost, a cache that relies on the notifications must not be trusted.
   * @throws a driver error when the first connection fails.
   */
  listen(channel: string, onMessage: (payload: string) => void, onState?: (listening: boolean) => void): Promise<Listener>;
  /** PGlite only: the data directory as a tarball, which `initialData` opens again (tests' migrated template). */
  dumpDataDir?(): Promise<Blob>;
}

/** Pool gauges for metrics. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export type QueryObserver = (seconds: number, failed: boolean) => void;

/** A running LISTEN; stop() ends it. */
export interface Listener {
  stop(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; null selects PGlite. */
  url: string | null;
  /** PGlite data directory; null keeps it in memory (tests). */
  dataDir: string | null;
  /**
   * PGlite in memory only: start from this `dumpDataDir()` tarball instead of an empty cluster. Each test file
   * opens the run's migrated template this way: PGlite's initdb and the migrations are most of a file's set-up.
   */
  initialData?: Blob;
  poolSize?: number;
  /** PostgreSQL schema to use (created if missing); tests and the bench use their own. */
  schema?: string;
  /** Run parameterized statements as named prepared statements (default true); see prepared.ts. */
  preparedStatements?: boolean;
  /** PostgreSQL `statement_timeout` of every connection, in ms; 0 or absent: none. */
  statementTimeoutMs?: number;
  /** How long a query may wait for a pooled connection (or for a new one to connect), in ms; 0 or absent: forever. */
  acquireTimeoutMs?: number;
  /** Told of every error a pooled connection reports on its own (the server dropped it); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
}

/** The database options a configuration asks for. */
export function databaseOptionsOf(config: Config): DatabaseOptions {
  return {
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    schema: config.dbSchema ?? undefined,
    preparedStatements: config.dbPreparedStatements,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    acquireTimeoutMs: config.dbAcquireTimeoutMs,
  };
}

// Dates come back as strings so the API controls their format; bigint counts as numbers.
pg.types.setTypeParser(1082, (v: string) => v);
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * Opens the database for the configured backend. A PostgreSQL pool connects lazily: opening succeeds while the
 * server is down, and every connection it loses (terminated, restarted, stopped) is replaced on next use.
 * @throws DataDirLockedError when another running process holds the PGlite data directory; Error when the schema
 *   name is malformed, or the PGlite data directory cannot be created or opened.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const schema = options.schema;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('schema must be a lower-case identifier');
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 20,
      Client: options.preparedStatements === false ? pg.Client : PreparingClient,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.acquireTimeoutMs ? { connectionTimeoutMillis: options.acquireTimeoutMs } : {}),
      // A peer that vanished without a FIN/RST (a dead host, a partition) is noticed instead of waited on forever.
      keepAlive: true,
    });
    watchConnectionErrors(pool, options.onConnectionError);
    const timing = queryTiming();
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: timing.log });
    const channels = sharedListeners((channel, onMessage, onState) => listenOnPostgres(options.url as string, channel, onMessage, onState));
    return {
      db,
      backend: 'postgres',
      schema: schema ?? null,
      close: async () => {
        await channels.stopAll();
        await db.destroy();
      },
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      observeQueries: timing.set,
      listen: channels.listen,
    };
  }
  // Loaded only for the embedded backend: on PostgreSQL, PGlite's modules are most of the driver code a start imports.
  const [{ PGlite }, { pg_trgm }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('kysely-pglite-dialect'),
  ]);
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // One process per data directory: PGlite has no lock of its own (see data-dir-lock.ts).
  const lock = options.dataDir ? acquireDataDirLock(options.dataDir) : null;
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.initialData && !options.dataDir ? { loadDataDir: options.initialData } : {}),
    // Trigram indexes for `q` substring search (migration 0011).
    extensions: { pg_trgm },
    parsers: { 1082: (v: string) => v, 20: (v: string) => Number(v) },
  }).catch((error: unknown) => {
    lock?.release();
    throw error;
  });
  const timing = queryTiming();
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite), log: timing.log });
  return {
    db,
    backend: 'pglite',
    schema: null,
    close: () => db.destroy().finally(() => lock?.release()),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    observeQueries: timing.set,
    async listen(channel, onMessage, onState) {
      // One process owns a PGlite database: its notifications are this process's own commits.
      const unlisten = await pglite.listen(channel, onMessage);
      onState?.(true);
      return { stop: () => unlisten() };
    },
    dumpDataDir: () => pglite.dumpDataDir('none'),
  };
}

type ListenFn = (channel: string, onMessage: (payload: string) => void, onState?: (listening: boolean) => void) => Promise<Listener>;

/**
 * One connection per channel however many listen (tests build many registries over one database): each
 * subscriber is told every message and every change of state.
 */
function sharedListeners(open: ListenFn): { listen: ListenFn; stopAll(): Promise<void> } {
  const channels = new Map<
    string,
    { listener: Promise<Listener>; up: boolean; subscribers: Set<{ onMessage: (p: string) => void; onState?: (up: boolean) => void }> }
  >();
  return {
    async listen(channel, onMessage, onState) {
      let shared = channels.get(channel);
      if (!shared) {
        const created = {
          listener: null as unknown as Promise<Listener>,
          up: false,
          subscribers: new Set<{ onMessage: (p: string) => void; onState?: (up: boolean) => void }>(),
        };
        created.listener = open(
          channel,
          (payload) => {
            for (const s of created.subscribers) s.onMessage(payload);
          },
          (up) => {
            created.up = up;
            for (const s of created.subscribers) s.onState?.(up);
          },
        );
        channels.set(channel, created);
        created.listener.catch(() => channels.delete(channel));
        shared = created;
      }
      const subscriber = { onMessage, onState };
      shared.subscribers.add(subscriber);
      try {
        await shared.listener;
      } catch (error) {
        shared.subscribers.delete(subscriber);
        throw error;
      }
      onState?.(shared.up);
      const current = shared;
      return {
        async stop() {
          current.subscribers.delete(subscriber);
        },
      };
    },
    async stopAll() {
      const all = [...channels.values()];
      channels.clear();
      await Promise.all(all.map(async (c) => (await c.listener.catch(() => null))?.stop()));
    },
  };
}

/** Kysely's log hook, forwarding each statement's duration to whichever observer is set. */
function queryTiming(): { log: (event: LogEvent) => void; set: (observer: QueryObserver | null) => void } {
  let observer: QueryObserver | null = null;
  return {
    log: (event) => observer?.(event.queryDurationMillis / 1000, event.level === 'error'),
    set: (next) => {
      observer = next;
    },
  };
}

/**
 * A pg client emits 'error' when its connection fails outside a query (the server terminated it, restarted or
 * stopped); an EventEmitter with no listener turns that into an uncaught exception that ends the process. The
 * pool listens while a client is idle (and removes it); a checked-out client has no listener until it is
 * released, so every client gets one of its own for its whole life. The failed client is then not queryable,
 * the pool drops it on release, and the statement it was running fails with the connection error, which
 * answers 503 DATABASE_UNAVAILABLE.
 */
function watchConnectionErrors(pool: pg.Pool, report: ((error: Error) => void) | undefined): void {
  // The pool re-emits an idle client's error after the client's own listener has reported it.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', (error: Error) => report?.(error));
  });
}

/**
 * Creates the configured schema if it is missing, then applies every pending migration.
 * @throws a driver error when the database is unreachable; the migration's error when one fails.
 */
export async function prepareDatabase(database: Database): Promise<string[]> {
  if (database.schema) await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${database.schema}`).execute(database.db);
  return migrateToLatest(database.db);
}

/**
 * Applies every pending migration.
 * @throws when a migration fails; nothing after it is applied.
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  // Kysely looks for its migration tables in every schema unless told which: name the current one, so a
  // database holding several Roster schemas (tests, bench) does not mistake another schema's tables for ours.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? 'public';
  // Its introspector also reads every schema's catalog, and fails when another schema is dropped meanwhile
  // (parallel test runs): let it see only ours.
  const introspection = schemaIntrospector(db, schema);
  const scoped = new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const migrator = new Migrator({
    db: scoped,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'roster_migrations',
    migrationLockTableName: 'roster_migrations_lock',
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Lists one schema's tables by name (all the migrator asks), touching no other schema. */
function schemaIntrospector(db: Kysely<DB>, schema: string): DatabaseIntrospector {
  const getTables = async () => {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(db);
    return rows.map((r) => ({ name: r.name, schema, isView: false, columns: [] }));
  };
  return {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return rows;
    },
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(db: Kysely<DB>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
