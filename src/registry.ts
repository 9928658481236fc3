import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { type Ids, randomIds } from './core/ids.ts';
import { type Backend, type Database, type DB, databaseOptionsOf, openDatabase, prepareDatabase } from './db/database.ts';
import { createReadRouting, type ReadRouting } from './db/read-routing.ts';
import { type AdminAuth, createAdminAuth } from './modules/admin/admin-auth.ts';
import { createSecretKeys, type SecretKeys } from './modules/admin/secret-key.ts';
import { type ApiKeysService, createApiKeysService } from './modules/api-keys/api-keys.service.ts';
import { type AttributesService, createAttributesService } from './modules/attributes/attributes.service.ts';
import { type BrandsService, createBrandsService } from './modules/brands/brands.service.ts';
import { type CompaniesService, createCompaniesService } from './modules/companies/companies.service.ts';
import { type CompanyMembersService, createCompanyMembersService } from './modules/companies/company-members.service.ts';
import { type CredentialsService, createCredentialsService } from './modules/credentials/credentials.service.ts';
import { createPasswordHasher } from './modules/credentials/password-hasher.ts';
import { createEventsService, type EventsService } from './modules/events/events.service.ts';
import { createGroupMembersService, type GroupMembersService } from './modules/groups/group-members.service.ts';
import { createGroupsService, type GroupsService } from './modules/groups/groups.service.ts';
import { createIdempotencyStore, type IdempotencyStore } from './modules/idempotency/idempotency.store.ts';
import { createImportsService, type ImportsService } from './modules/imports/imports.service.ts';
import { createMetrics, type Metrics } from './modules/metrics/metrics.ts';
import { createOperatorsService, type OperatorsService } from './modules/operators/operators.service.ts';
import { createOverviewService, type OverviewService } from './modules/overview/overview.service.ts';
import { createPlansService, type PlansService } from './modules/plans/plans.service.ts';
import { createUserPlansService, type UserPlansService } from './modules/plans/user-plans.service.ts';
import { createProvidersService, type ProvidersService } from './modules/providers/providers.service.ts';
import { createRolesService, type RolesService } from './modules/roles/roles.service.ts';
import { createAccessTokens } from './modules/sessions/access-tokens.ts';
import { sessionChangesFor } from './modules/sessions/session-bus.ts';
import { createSessionCache, type SessionCache } from './modules/sessions/session-cache.ts';
import { endUserSessions } from './modules/sessions/session-revocation.ts';
import { createSessionsService, type SessionsService } from './modules/sessions/sessions.service.ts';
import { createSigningKeys, type SigningKeys } from './modules/sessions/signing-keys.ts';
import { createSigninThrottle, type SigninThrottle } from './modules/signin-throttle/signin-throttle.service.ts';
import { createTenantsService, type TenantsService } from './modules/tenants/tenants.service.ts';
import { createUsersService, type UsersDeps, type UsersService } from './modules/users/users.service.ts';
import { createUsersBulk, type UsersBulk } from './modules/users/users-bulk.service.ts';
import { createWebhookDelivery, type WebhookDelivery } from './modules/webhooks/webhook-delivery.service.ts';
import { createWebhooksService, type WebhooksService } from './modules/webhooks/webhooks.service.ts';
import { createUserChanges, type UserChanges } from './use-cases/apply-user-change.ts';
import { createUsersExport, type UsersExport } from './use-cases/export-users.ts';
import { createUsersQueryService, type UsersQueryService } from './use-cases/query-users.ts';
import { createSignUps, type SignUps } from './use-cases/sign-up-user.ts';
import { createUserTransforms, type UserTransforms } from './use-cases/transform-user.ts';
import { createSigninUnlockService, type SigninUnlockService } from './use-cases/unlock-signin.ts';
import { createUserDataService, type UserDataService } from './use-cases/user-data.service.ts';
import { createUsersLifecycleService, type UsersLifecycleService } from './use-cases/users-lifecycle.service.ts';

/** Every long-lived object of a Roster process, built once from config. */
export interface Registry {
  config: Config;
  db: Kysely<DB>;
  backend: Backend;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  tenants: TenantsService;
  brands: BrandsService;
  apiKeys: ApiKeysService;
  attributes: AttributesService;
  roles: RolesService;
  users: UsersService;
  usersQuery: UsersQueryService;
  usersLifecycle: UsersLifecycleService;
  /** A user's data across every module: erasure and export, walked over the user data registry. */
  userData: UserDataService;
  /** The one way to change a user: every part of a request in one transaction. */
  userChanges: UserChanges;
  /** Read-modify-write of one user as one atomic change (SCIM PATCH and PUT). */
  userTransforms: UserTransforms;
  /** Sign-up with a passwordless session (Thanx). */
  signUps: SignUps;
  companies: CompaniesService;
  companyMembers: CompanyMembersService;
  /** Groups: create, change (fields and whole member sets), delete, look up, list. */
  groups: GroupsService;
  /** Single-member adds and removes, member lists, a user's groups and effective roles. */
  groupMembers: GroupMembersService;
  plans: PlansService;
  userPlans: UserPlansService;
  idempotency: IdempotencyStore;
  adminAuth: AdminAuth;
  signinThrottle: SigninThrottle;
  credentials: CredentialsService;
  signingKeys: SigningKeys;
  sessions: SessionsService;
  signinUnlock: SigninUnlockService;
  /** Upstream identity providers: admin CRUD and the merged lookup. */
  providers: ProvidersService;
  /** The sealing key (provider credentials, Naviga ids): ROSTER_SECRET_KEY, or generated and kept in the database. */
  secretKeys: SecretKeys;
  /** Webhook endpoints of a tenant: CRUD, secrets, replay, the delivery log. */
  webhooks: WebhooksService;
  /** The delivery worker's core (fan-out, leases, attempts); src/workers/ loops over it. */
  webhookDelivery: WebhookDelivery;
  /**
   * Live sessions of access-token checks, evicted across processes by LISTEN/NOTIFY (Redis pub/sub when REDIS_URL
   * is set); start() once the database is ready.
   */
  sessionCache: SessionCache;
  /** Prometheus metrics of this process (GET /metrics). */
  metrics: Metrics;
  /** Where lag-tolerant reads go: the DATABASE_READ_URL replica, falling back to the primary. */
  reads: ReadRouting;
  /** Console operators and their cookie sessions. */
  operators: OperatorsService;
  /** A tenant's activity per day (the console's overview charts). */
  overview: OverviewService;
  /** Bulk import jobs: uploads, status, row reports; run by the import worker (src/workers/import-worker.ts). */
  imports: ImportsService;
  /** The users domain's set-based write of import batches. */
  usersBulk: UsersBulk;
  /** The bulk export: every matching user from one snapshot. */
  usersExport: UsersExport;
  close(): Promise<void>;
}

export interface RegistryOptions {
  clock?: Clock;
  ids?: Ids;
  /** An open database to use instead of the configured one (tests share one per worker). */
  database?: Database;
  /** Run migrations while building (default true). */
  migrate?: boolean;
  /**
   * Read (or generate) the sealing key while building (default true). A server that listens before its database
   * is reachable passes false and resolves `secretKeys` once the database is ready.
   */
  resolveSecrets?: boolean;
  /** Called with errors of background work (key last-used updates). */
  onBackgroundError?: (error: unknown) => void;
  /** Called with errors of the Redis session bus (REDIS_URL); onBackgroundError when not given. */
  onSessionBusError?: (error: Error) => void;
  /** Replaces domain services the use cases compose, before they are composed (tests inject a failing step). */
  wrap?: ServiceWrappers;
}

/** The domain services a use case composes, each replaceable by a wrapper of the same type. */
export type WrappableServices = Pick<Registry, 'events' | 'users' | 'usersLifecycle' | 'companyMembers' | 'userPlans' | 'sessions'>;
export type ServiceWrappers = { [K in keyof WrappableServices]?: (service: WrappableServices[K]) => WrappableServices[K] };

function wrapped<K extends keyof WrappableServices>(options: RegistryOptions, key: K, service: WrappableServices[K]): WrappableServices[K] {
  const wrap = options.wrap?.[key] as ((service: WrappableServices[K]) => WrappableServices[K]) | undefined;
  return wrap ? wrap(service) : service;
}

/**
 * The composition root: database, clock, ids, repositories' services.
 * @throws when the database cannot be opened or migrated.
 */
export async function createRegistry(config: Config, options: RegistryOptions = {}): Promise<Registry> {
  const database = options.database ?? (await openDatabase(databaseOptionsOf(config)));
  const { db } = database;
  if (options.migrate !== false) await prepareDatabase(database);
  const secretKeys = createSecretKeys(config.secretKey);
  if (options.resolveSecrets !== false) await secretKeys.resolve(db);
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const sessionChanges = await sessionChangesFor(config.redisUrl, database, options.onSessionBusError ?? options.onBackgroundError);
  const sessionCache = createSessionCache({ bus: sessionChanges.bus, clock, ttlMs: config.sessionCacheSeconds * 1000 });
  const events = wrapped(options, 'events', createEventsService({ db, clock, ids, onCommitted: sessionChanges.onCommitted }));
  const tenants = createTenantsService({ db, clock, ids, events });
  const brands = createBrandsService({ db, clock, ids, events });
  const apiKeys = createApiKeysService({
    db,
    clock,
    ids,
    events,
    brands,
    cacheSeconds: config.apiKeyCacheSeconds,
    onBackgroundError: options.onBackgroundError,
  });
  const attributes = createAttributesService({ db, clock, events });
  const signinThrottle = createSigninThrottle({ db, clock, config: config.signinThrottle });
  const hasher = createPasswordHasher({ concurrency: config.hashConcurrency, queueSize: config.hashQueueSize });
  const credentials = createCredentialsService({ db, clock, events, hasher });
  const signingKeys = createSigningKeys({ db, clock, ids, verifyForMs: (config.tokens.accessTokenSeconds + 60) * 1000 });
  const tokens = createAccessTokens({ keys: signingKeys, clock, ids, settings: config.tokens });
  const roles = createRolesService({ db, clock, events });
  const endSessions: UsersDeps['endSessions'] = (trx, ctx, userId, reason) =>
    endUserSessions(trx, events, ctx, userId, reason, clock.now());
  const usersDeps = { db, clock, ids, events, tenants, attributes, roles, credentials, signinThrottle, endSessions };
  const users = wrapped(options, 'users', createUsersService(usersDeps));
  const directoryDeps = { db, clock, ids, events };
  const plans = createPlansService(directoryDeps);
  const usersLifecycle = wrapped(options, 'usersLifecycle', createUsersLifecycleService(usersDeps, users));
  const companyMembers = wrapped(options, 'companyMembers', createCompanyMembersService(directoryDeps));
  const userPlans = wrapped(options, 'userPlans', createUserPlansService(directoryDeps, plans));
  const sessions = wrapped(
    options,
    'sessions',
    createSessionsService({
      db,
      clock,
      ids,
      events,
      tenants,
      hasher,
      tokens,
      throttle: signinThrottle,
      settings: config.tokens,
      cache: sessionCache,
    }),
  );
  const groupsDeps = { ...directoryDeps, roles };
  const groups = createGroupsService(groupsDeps);
  const groupMembers = createGroupMembersService(groupsDeps);
  const metrics = createMetrics({
    db,
    clock,
    poolStats: database.poolStats,
    hashLoad: () => hasher.load(),
    sessionCacheSize: () => sessionCache.size,
  });
  database.observeQueries(metrics.observeQuery);
  // A server that listens before its database is ready starts the cache once it is (server.ts).
  if (options.migrate !== false) await sessionCache.start();
  const replica = config.databaseReadUrl
    ? await openDatabase({ ...databaseOptionsOf(config), url: config.databaseReadUrl, poolSize: config.dbPoolSize })
    : null;
  const reads = createReadRouting(db, replica?.db ?? null);
  const usersQuery = createUsersQueryService({ ...usersDeps, reads });
  const userChanges = createUserChanges({ users, usersLifecycle, companyMembers, userPlans, sessions, attributes });
  const userTransforms = createUserTransforms({ usersQuery, userChanges });
  const adminAuth = createAdminAuth({ db, ids, configuredToken: config.adminToken });
  return {
    config,
    db,
    backend: database.backend,
    clock,
    ids,
    events,
    tenants,
    brands,
    apiKeys,
    attributes,
    roles,
    users,
    userTransforms,
    usersQuery,
    usersLifecycle,
    userData: createUserDataService({ db, clock, events }),
    userChanges,
    signUps: createSignUps({ userChanges, usersQuery, clock }),
    signinThrottle,
    credentials,
    signingKeys,
    sessions,
    signinUnlock: createSigninUnlockService({ db, events, tenants, usersQuery }),
    companies: createCompaniesService(directoryDeps),
    companyMembers,
    groups,
    groupMembers,
    plans,
    userPlans,
    idempotency: createIdempotencyStore({ db, clock }),
    providers: createProvidersService({
      db,
      clock,
      ids,
      events,
      brands,
      users,
      secretBox: secretKeys.box,
      allowPrivateUpstreams: config.allowPrivateUpstreams,
    }),
    adminAuth,
    secretKeys,
    webhooks: createWebhooksService({
      db,
      clock,
      ids,
      events,
      secretBox: secretKeys.box,
      policy: { allowHttp: config.webhooks.allowHttp, allowPrivate: config.allowPrivateUpstreams },
    }),
    webhookDelivery: createWebhookDelivery({
      db,
      clock,
      ids,
      events,
      secretBox: secretKeys.box,
      allowPrivate: config.allowPrivateUpstreams,
      leaseMs: config.webhooks.leaseSeconds * 1000,
      database,
    }),
    sessionCache,
    metrics,
    reads,
    close: async () => {
      await sessionCache.stop();
      await sessionChanges.close();
      await replica?.close();
      if (!options.database) await database.close();
    },
    overview: createOverviewService({ db, clock, reads }),
    operators: createOperatorsService({ db, clock, ids, hasher, throttle: signinThrottle, adminAuth, tenants }),
    imports: createImportsService({ db, clock, ids, events, maxBytes: config.imports.maxBytes }),
    usersExport: createUsersExport({ db, clock, usersQuery }),
    usersBulk: createUsersBulk({ clock, ids, events, tenants, attributes, roles, credentials, endSessions }),
  };
}

/**
 * The part of the registry a route plugin declares in its `Pick<Registry, …>`: it receives those services and
 * nothing else, so a route cannot reach `db` or a service it did not declare.
 */
export function pickServices<K extends keyof Registry>(registry: Registry, ...keys: K[]): Pick<Registry, K> {
  const picked = {} as Pick<Registry, K>;
  for (const key of keys) picked[key] = registry[key];
  return picked;
}
