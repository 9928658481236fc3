import type { ApiKeysTable } from '../modules/api-keys/api-keys.table.ts';
import type { AttributeDefinitionsTable, UniqueAttributeValuesTable } from '../modules/attributes/attributes.table.ts';
import type { BrandsTable, UserBrandsTable } from '../modules/brands/brands.table.ts';
import type { CompaniesTable, CompanyMembersTable } from '../modules/companies/companies.table.ts';
import type { CredentialsTable } from '../modules/credentials/credentials.table.ts';
import type { EventsTable } from '../modules/events/events.table.ts';
import type { GroupMembersTable, GroupsTable } from '../modules/groups/groups.table.ts';
import type { IdempotencyKeysTable } from '../modules/idempotency/idempotency.table.ts';
import type { ImportChunksTable, ImportErrorsTable, ImportJobsTable } from '../modules/imports/imports.table.ts';
import type { OperatorSessionsTable, OperatorsTable } from '../modules/operators/operators.table.ts';
import type { PlanNumbersTable, PlansTable, UserPlansTable } from '../modules/plans/plans.table.ts';
import type { IdentityProvidersTable, UserIdentitiesTable } from '../modules/providers/providers.table.ts';
import type { RolesTable } from '../modules/roles/roles.table.ts';
import type { RefreshTokensTable, SessionsTable, SigningKeysTable } from '../modules/sessions/sessions.table.ts';
import type { SigninFailuresTable } from '../modules/signin-throttle/signin-throttle.table.ts';
import type { SettingsTable, TenantHostsTable, TenantsTable } from '../modules/tenants/tenants.table.ts';
import type { UserCountsTable, UsersTable } from '../modules/users/users.table.ts';
import type {
  FeedCursorsTable,
  WebhookAttemptsTable,
  WebhookEndpointsTable,
  WebhookMessagesTable,
} from '../modules/webhooks/webhooks.table.ts';

/** Every table Kysely may touch. */
export interface DB {
  roster_settings: SettingsTable;
  tenants: TenantsTable;
  tenant_hosts: TenantHostsTable;
  brands: BrandsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  user_counts: UserCountsTable;
  user_brands: UserBrandsTable;
  attribute_definitions: AttributeDefinitionsTable;
  unique_attribute_values: UniqueAttributeValuesTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  credentials: CredentialsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  signin_failures: SigninFailuresTable;
  companies: CompaniesTable;
  company_members: CompanyMembersTable;
  plans: PlansTable;
  plan_numbers: PlanNumbersTable;
  user_plans: UserPlansTable;
  roles: RolesTable;
  identity_providers: IdentityProvidersTable;
  user_identities: UserIdentitiesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
  feed_cursors: FeedCursorsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  import_jobs: ImportJobsTable;
  import_chunks: ImportChunksTable;
  import_errors: ImportErrorsTable;
}
