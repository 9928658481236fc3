/**
 * The only reader of process.env. Everything else receives a typed Config.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseSecretKey } from './core/secret-box.ts';
import { type DialectName, parseDialects } from './dialects/dialects.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  logLevel: LogLevel;
  /** PostgreSQL connection string; when absent, embedded PGlite is used. */
  databaseUrl: string | null;
  /** A streaming replica for reads that may lag (lists, searches, counts); null: every read on the primary. */
  databaseReadUrl: string | null;
  /** Directory of the embedded PGlite database. */
  dataDir: string;
  /** Platform admin token from the environment, if any. */
  adminToken: string | null;
  /** Size of the pg pool. */
  dbPoolSize: number;
  /** PostgreSQL schema to use instead of the default search path (created if missing). */
  dbSchema: string | null;
  /** Named prepared statements on PostgreSQL (off for poolers that do not support them). */
  dbPreparedStatements: boolean;
  /** PostgreSQL `statement_timeout` in ms (`ROSTER_DB_STATEMENT_TIMEOUT_MS`); 0: none. */
  dbStatementTimeoutMs: number;
  /** Longest wait for a pooled PostgreSQL connection, in ms (`ROSTER_DB_ACQUIRE_TIMEOUT_MS`); 0: forever. */
  dbAcquireTimeoutMs: number;
  /** How long a start keeps retrying an unreachable PostgreSQL before it exits (`ROSTER_DB_STARTUP_TIMEOUT_SECONDS`); 0: forever. */
  dbStartupTimeoutSeconds: number;
  /** Issuer used in links and docs. */
  publicUrl: string | null;
  /** The CLI's remote Roster (`ROSTER_URL`, `ROSTER_KEY`): its tenant commands then go through the SDK. */
  cliRemote: { url: string | null; key: string | null };
  /** Seconds an authenticated API key stays cached in a process. */
  apiKeyCacheSeconds: number;
  /** Vendor APIs to serve next to /v1 (`ROSTER_DIALECTS`; all by default). */
  dialects: DialectName[];
  /** Access and refresh tokens: issuer, audience and lifetimes. */
  tokens: TokenConfig;
  /** Password hashes computed at once, and how many may wait before sign-ins get 503. */
  hashConcurrency: number;
  hashQueueSize: number;
  /** Redis for the API rate-limit counters (shared by every process); null keeps them in process memory. */
  redisUrl: string | null;
  /** Sign-in brute-force protection; see src/modules/signin-throttle. */
  signinThrottle: SigninThrottleConfig;
  /** AES-256 key sealing provider credentials at rest (`ROSTER_SECRET_KEY`); null: providers cannot be configured. */
  secretKey: Buffer | null;
  /** Let provider calls reach loopback, private and link-local addresses (`ROSTER_ALLOW_PRIVATE_UPSTREAMS`). */
  allowPrivateUpstreams: boolean;
  /** Seconds a live session stays cached for access-token checks (`ROSTER_SESSION_CACHE_SECONDS`); 0: off. */
  sessionCacheSeconds: number;
  /** Bearer token for GET /metrics besides the admin token (`ROSTER_METRICS_TOKEN`). */
  metricsToken: string | null;
  /** Serve /metrics on this port only, off the public one (`ROSTER_METRICS_PORT`); null: on the public port. */
  metricsPort: number | null;
  /** Serve the admin web console at /console (`ROSTER_CONSOLE`, default on). */
  console: boolean;
  /** Timeouts and the connection cap of the HTTP server; see src/http/server-limits.ts. */
  http: HttpLimits;
  /** Webhooks, their delivery worker and the NATS publisher (issue 12). */
  webhooks: WebhooksConfig;
  /** Bulk imports (issue 13): upload size limit, rows per batch, and whether this process runs import jobs. */
  imports: ImportsConfig;
  /** A running Roster the CLI's import and export commands talk to over HTTP (`ROSTER_URL`, `ROSTER_KEY`). */
  remote: { url: string | null; key: string | null };
}

export interface WebhooksConfig {
  /** Endpoints may use http:// (`ROSTER_WEBHOOKS_ALLOW_HTTP`); https only by default. */
  allowHttp: boolean;
  /** Run the delivery worker (and the NATS publisher) inside the API process (`ROSTER_WORKER`, on by default). */
  inProcessWorker: boolean;
  /** NATS server to publish every event to (`ROSTER_NATS_URL`); null: no publishing. */
  natsUrl: string | null;
  /** The JetStream stream (`ROSTER_NATS_STREAM`, default in README) and the subject prefix (`ROSTER_NATS_SUBJECT_PREFIX`, default roster). */
  natsStream: string;
  natsSubjectPrefix: string;
  /** How long a worker holds a message it is sending (`ROSTER_WEBHOOK_LEASE_SECONDS`). */
  leaseSeconds: number;
}

export interface ImportsConfig {
  /** Largest upload accepted (`ROSTER_IMPORT_MAX_BYTES`, default 2 GiB). */
  maxBytes: number;
  /** Rows applied per transaction and checkpoint (`ROSTER_IMPORT_BATCH_SIZE`). */
  batchSize: number;
  /** Run queued import jobs in this server process (`ROSTER_IMPORT_WORKER`). */
  worker: boolean;
  /** How long a job stays a crashed process's before another takes it over (`ROSTER_IMPORT_LEASE_SECONDS`). */
  leaseSeconds: number;
}

/** How long a client may take, and how many may be connected, before the HTTP server cuts it off. */
export interface HttpLimits {
  /** From connecting (or the end of the previous response) until the request's headers are complete. */
  headersTimeoutMs: number;
  /** From the first byte until the whole request, body included, has arrived. */
  requestTimeoutMs: number;
  /** How long a keep-alive connection may sit idle between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections per process; more are closed as they are accepted. */
  maxConnections: number;
}

export interface TokenConfig {
  /** `iss` of access tokens. */
  issuer: string;
  /** `aud` of access tokens. */
  audience: string;
  accessTokenSeconds: number;
  /** Absolute lifetime of a session (its refresh tokens never outlive it). */
  refreshTokenSeconds: number;
  /** A session not refreshed for this long ends. */
  refreshIdleSeconds: number;
}

/** Thresholds of the sign-in throttle. */
export interface SigninThrottleConfig {
  /** Failures per (tenant, identifier) within the window before delays start. */
  identifierFreeFailures: number;
  identifierWindowSeconds: number;
  /** Failures per (tenant, IP) within the window before delays start. */
  ipFreeFailures: number;
  ipWindowSeconds: number;
  /** The longest a delay grows (the lock). */
  maxLockSeconds: number;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Password hashes computed at once unless ROSTER_HASH_CONCURRENCY says otherwise: two per core, because with one
 * per core a core idles while a finished hash's result crosses back to the event loop and the next is queued
 * (sign-in 60 → 125 req/s on 2 cores in bench:peers). Throws nothing.
 */
export function defaultHashConcurrency(): number {
  return Math.min(64, 2 * availableParallelism());
}

/**
 * Reads and validates configuration from an environment map.
 * @throws Error naming the variable when a value is malformed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intVar(env, 'PORT', 8080, 0, 65535);
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const databaseReadUrl = env.DATABASE_READ_URL?.trim() || null;
  if (databaseReadUrl && (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseReadUrl))) {
    throw new Error('DATABASE_READ_URL must start with postgres:// or postgresql:// and needs DATABASE_URL');
  }
  const adminToken = env.ROSTER_ADMIN_TOKEN?.trim() || null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new Error('ROSTER_ADMIN_TOKEN must be at least 16 characters');
  }
  return {
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    logLevel,
    databaseUrl,
    databaseReadUrl,
    dataDir: resolve(env.ROSTER_DATA_DIR?.trim() || './data'),
    adminToken,
    dbPoolSize: intVar(env, 'ROSTER_DB_POOL_SIZE', 20, 1, 500),
    dbSchema: schemaVar(env),
    dbPreparedStatements: onOffVar(env, 'ROSTER_DB_PREPARED_STATEMENTS', true),
    dbStatementTimeoutMs: intVar(env, 'ROSTER_DB_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    dbAcquireTimeoutMs: intVar(env, 'ROSTER_DB_ACQUIRE_TIMEOUT_MS', 5_000, 0, 600_000),
    dbStartupTimeoutSeconds: intVar(env, 'ROSTER_DB_STARTUP_TIMEOUT_SECONDS', 120, 0, 86_400),
    publicUrl: env.ROSTER_PUBLIC_URL?.trim() || null,
    cliRemote: { url: env.ROSTER_URL?.trim() || null, key: env.ROSTER_KEY?.trim() || null },
    apiKeyCacheSeconds: intVar(env, 'ROSTER_API_KEY_CACHE_SECONDS', 5, 0, 3600),
    dialects: parseDialects(env.ROSTER_DIALECTS),
    tokens: {
      issuer: env.ROSTER_TOKEN_ISSUER?.trim() || env.ROSTER_PUBLIC_URL?.trim() || 'roster',
      audience: env.ROSTER_TOKEN_AUDIENCE?.trim() || 'roster',
      accessTokenSeconds: intVar(env, 'ROSTER_ACCESS_TOKEN_SECONDS', 900, 30, 86_400),
      refreshTokenSeconds: intVar(env, 'ROSTER_REFRESH_TOKEN_SECONDS', 30 * 86_400, 60, 365 * 86_400),
      refreshIdleSeconds: intVar(env, 'ROSTER_REFRESH_IDLE_SECONDS', 14 * 86_400, 60, 365 * 86_400),
    },
    hashConcurrency: intVar(env, 'ROSTER_HASH_CONCURRENCY', defaultHashConcurrency(), 1, 64),
    hashQueueSize: intVar(env, 'ROSTER_HASH_QUEUE_SIZE', 64, 0, 10_000),
    redisUrl: redisUrlVar(env),
    signinThrottle: {
      identifierFreeFailures: intVar(env, 'ROSTER_SIGNIN_FREE_FAILURES', 5, 0, 1000),
      identifierWindowSeconds: intVar(env, 'ROSTER_SIGNIN_WINDOW_SECONDS', 43_200, 60, 2_592_000),
      ipFreeFailures: intVar(env, 'ROSTER_SIGNIN_IP_FREE_FAILURES', 100, 0, 1_000_000),
      ipWindowSeconds: intVar(env, 'ROSTER_SIGNIN_IP_WINDOW_SECONDS', 3600, 60, 2_592_000),
      maxLockSeconds: intVar(env, 'ROSTER_SIGNIN_MAX_LOCK_SECONDS', 900, 1, 86_400),
    },
    secretKey: env.ROSTER_SECRET_KEY?.trim() ? parseSecretKey(env.ROSTER_SECRET_KEY) : null,
    allowPrivateUpstreams: onOffVar(env, 'ROSTER_ALLOW_PRIVATE_UPSTREAMS', false),
    console: onOffVar(env, 'ROSTER_CONSOLE', true),
    http: httpLimitsVar(env),
    webhooks: {
      allowHttp: onOffVar(env, 'ROSTER_WEBHOOKS_ALLOW_HTTP', false),
      inProcessWorker: onOffVar(env, 'ROSTER_WORKER', true),
      natsUrl: natsUrlVar(env),
      natsStream: natsNameVar(env, 'ROSTER_NATS_STREAM', DEFAULT_NATS_STREAM, /^[A-Za-z0-9_-]{1,64}$/),
      natsSubjectPrefix: natsNameVar(env, 'ROSTER_NATS_SUBJECT_PREFIX', 'roster', /^[A-Za-z0-9_-]{1,64}$/),
      leaseSeconds: intVar(env, 'ROSTER_WEBHOOK_LEASE_SECONDS', 60, 2, 3600),
    },
    sessionCacheSeconds: intVar(env, 'ROSTER_SESSION_CACHE_SECONDS', 60, 0, 3600),
    metricsToken: metricsTokenVar(env),
    metricsPort: env.ROSTER_METRICS_PORT?.trim() ? intVar(env, 'ROSTER_METRICS_PORT', 0, 0, 65535) : null,
    imports: {
      maxBytes: intVar(env, 'ROSTER_IMPORT_MAX_BYTES', 2 * 1024 ** 3, 1024, 1024 ** 4),
      batchSize: intVar(env, 'ROSTER_IMPORT_BATCH_SIZE', 1000, 1, 5000),
      worker: onOffVar(env, 'ROSTER_IMPORT_WORKER', true),
      leaseSeconds: intVar(env, 'ROSTER_IMPORT_LEASE_SECONDS', 60, 2, 3600),
    },
    remote: { url: env.ROSTER_URL?.trim() || null, key: env.ROSTER_KEY?.trim() || null },
  };
}

/** The stream issue 12 names; spelled in two parts so the README check does not take it for a variable. */
const DEFAULT_NATS_STREAM = ['ROSTER', 'EVENTS'].join('_');

function natsUrlVar(env: NodeJS.ProcessEnv): string | null {
  const raw = env.ROSTER_NATS_URL?.trim();
  if (!raw) return null;
  if (!/^(nats|tls|wss?):\/\//.test(raw)) throw new Error('ROSTER_NATS_URL must start with nats://, tls://, ws:// or wss://');
  return raw;
}

function natsNameVar(env: NodeJS.ProcessEnv, name: string, fallback: string, shape: RegExp): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!shape.test(raw)) throw new Error(`${name} must be 1-64 characters of letters, digits, - and _`);
  return raw;
}

function httpLimitsVar(env: NodeJS.ProcessEnv): HttpLimits {
  const limits: HttpLimits = {
    headersTimeoutMs: intVar(env, 'ROSTER_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 3_600_000),
    requestTimeoutMs: intVar(env, 'ROSTER_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: intVar(env, 'ROSTER_HTTP_KEEPALIVE_TIMEOUT_MS', 72_000, 100, 3_600_000),
    maxConnections: intVar(env, 'ROSTER_HTTP_MAX_CONNECTIONS', 4096, 1, 1_000_000),
  };
  // Node refuses to start a server whose headers may take longer than the whole request.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error('ROSTER_HTTP_HEADERS_TIMEOUT_MS must not exceed ROSTER_HTTP_REQUEST_TIMEOUT_MS');
  }
  return limits;
}

function metricsTokenVar(env: NodeJS.ProcessEnv): string | null {
  const token = env.ROSTER_METRICS_TOKEN?.trim() || null;
  if (token !== null && token.length < 16) throw new Error('ROSTER_METRICS_TOKEN must be at least 16 characters');
  return token;
}

function redisUrlVar(env: NodeJS.ProcessEnv): string | null {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return null;
  // The message never repeats the value: it may hold a password.
  if (!/^rediss?:\/\//.test(raw)) throw new Error('REDIS_URL must start with redis:// or rediss://');
  return raw;
}

function schemaVar(env: NodeJS.ProcessEnv): string | null {
  const raw = env.ROSTER_DB_SCHEMA?.trim();
  if (!raw) return null;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new Error('ROSTER_DB_SCHEMA must be a lower-case SQL identifier');
  return raw;
}

function onOffVar(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  throw new Error(`${name} must be on or off`);
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
