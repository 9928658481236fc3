import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { type Ids, randomIds } from './core/ids.ts';
import { type Backend, type Database, type DB, migrateToLatest, openDatabase } from './db/database.ts';
import { type AdminAuth, createAdminAuth } from './modules/admin/admin-auth.ts';
import { type ResolvedSecretKey, resolveSecretKey } from './modules/admin/secret-key.ts';
import { type ApiKeysService, createApiKeysService } from './modules/api-keys/api-keys.service.ts';
import { type AttributesService, createAttributesService } from './modules/attributes/attributes.service.ts';
import { type BrandsService, createBrandsService } from './modules/brands/brands.service.ts';
import { type CompaniesService, createCompaniesService } from './modules/companies/companies.service.ts';
import { type CompanyMembersService, createCompanyMembersService } from './modules/companies/company-members.service.ts';
import { type CredentialsService, createCredentialsService } from './modules/credentials/credentials.service.ts';
import { createPasswordHasher } from './modules/credentials/password-hasher.ts';
import { createEventsService, type EventsService } from './modules/events/events.service.ts';
import { createIdempotencyStore, type IdempotencyStore } from './modules/idempotency/idempotency.store.ts';
import { createPlansService, type PlansService } from './modules/plans/plans.service.ts';
import { createUserPlansService, type UserPlansService } from './modules/plans/user-plans.service.ts';
import { createProvidersService, type ProvidersService } from './modules/providers/providers.service.ts';
import { createRolesService, type RolesService } from './modules/roles/roles.service.ts';
import { createAccessTokens } from './modules/sessions/access-tokens.ts';
import { createSessionsService, type SessionsService } from './modules/sessions/sessions.service.ts';
import { createSigningKeys, type SigningKeys } from './modules/sessions/signing-keys.ts';
import { createSigninThrottle, type SigninThrottle } from './modules/signin-throttle/signin-throttle.service.ts';
import { createSigninUnlockService, type SigninUnlockService } from './modules/signin-throttle/signin-unlock.service.ts';
import { createTenantsService, type TenantsService } from './modules/tenants/tenants.service.ts';
import { createUsersService, type UsersService } from './modules/users/users.service.ts';
import { createUsersLifecycleService, type UsersLifecycleService } from './modules/users/users-lifecycle.service.ts';
import { createUsersQueryService, type UsersQueryService } from './modules/users/users-query.service.ts';

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
  companies: CompaniesService;
  companyMembers: CompanyMembersService;
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
  /** Where the sealing key came from (config.secretKey holds it): ROSTER_SECRET_KEY, or generated and kept in the database. */
  secretKeyOrigin: ResolvedSecretKey['origin'];
  close(): Promise<void>;
}

export interface RegistryOptions {
  clock?: Clock;
  ids?: Ids;
  /** An open database to use instead of the configured one (tests share one per worker). */
  database?: Database;
  /** Run migrations while building (default true). */
  migrate?: boolean;
  /** Called with errors of background work (key last-used updates). */
  onBackgroundError?: (error: unknown) => void;
}

/**
 * The composition root: database, clock, ids, repositories' services.
 * @throws when the database cannot be opened or migrated.
 */
export async function createRegistry(config: Config, options: RegistryOptions = {}): Promise<Registry> {
  const database =
    options.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.dbPoolSize,
      schema: config.dbSchema ?? undefined,
      preparedStatements: config.dbPreparedStatements,
    }));
  const { db } = database;
  if (options.migrate !== false) await migrateToLatest(db);
  const secret = await resolveSecretKey(db, config.secretKey);
  config = { ...config, secretKey: secret.key };
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const events = createEventsService({ db, clock, ids });
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
  const usersDeps = { db, clock, ids, events, tenants, attributes, roles, credentials, signinThrottle };
  const users = createUsersService(usersDeps);
  const usersQuery = createUsersQueryService(usersDeps);
  const directoryDeps = { db, clock, ids, events };
  const plans = createPlansService(directoryDeps);
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
    usersQuery,
    usersLifecycle: createUsersLifecycleService(usersDeps, users),
    signinThrottle,
    credentials,
    signingKeys,
    sessions: createSessionsService({ db, clock, ids, events, tenants, hasher, tokens, throttle: signinThrottle, settings: config.tokens }),
    signinUnlock: createSigninUnlockService({ db, events, tenants, usersQuery }),
    companies: createCompaniesService(directoryDeps),
    companyMembers: createCompanyMembersService(directoryDeps),
    plans,
    userPlans: createUserPlansService(directoryDeps, plans),
    idempotency: createIdempotencyStore({ db, clock }),
    providers: createProvidersService({
      db,
      clock,
      ids,
      events,
      brands,
      users,
      secretKey: config.secretKey,
      previousSecretKeys: secret.previous,
      allowPrivateUpstreams: config.allowPrivateUpstreams,
    }),
    adminAuth: createAdminAuth({ db, ids, configuredToken: config.adminToken }),
    secretKeyOrigin: secret.origin,
    close: () => (options.database ? Promise.resolve() : database.close()),
  };
}
