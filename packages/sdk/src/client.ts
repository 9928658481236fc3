import { type ClientOptions, Transport } from './http.ts';
import { ApiKeys, Tenants } from './resources/admin.ts';
import { Companies, Plans, Roles } from './resources/catalogue.ts';
import { Events } from './resources/events.ts';
import { Groups } from './resources/groups.ts';
import { Exports, Imports } from './resources/imports.ts';
import { Sessions } from './resources/sessions.ts';
import { Users } from './resources/users.ts';
import { Webhooks } from './resources/webhooks.ts';

/**
 * A client for one tenant, authenticated by its API key. Namespaces: users, sessions, events, companies, plans,
 * roles, groups, webhooks, imports, exports (each in src/resources/).
 * @throws TypeError when baseUrl or apiKey is missing.
 */
export class Roster {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly events: Events;
  readonly companies: Companies;
  readonly plans: Plans;
  readonly roles: Roles;
  readonly groups: Groups;
  readonly webhooks: Webhooks;
  readonly imports: Imports;
  readonly exports: Exports;

  constructor(options: ClientOptions & { apiKey: string }) {
    if (!options.apiKey) throw new TypeError('Roster: apiKey is required');
    const http = new Transport(options, `Bearer ${options.apiKey}`);
    this.users = new Users(http);
    this.sessions = new Sessions(http);
    this.events = new Events(http);
    this.companies = new Companies(http);
    this.plans = new Plans(http);
    this.roles = new Roles(http);
    this.groups = new Groups(http);
    this.webhooks = new Webhooks(http);
    this.imports = new Imports(http);
    this.exports = new Exports(http);
  }
}

/**
 * A client for platform administration (/v1/admin), authenticated by the admin token (ROSTER_ADMIN_TOKEN).
 * @throws TypeError when baseUrl or adminToken is missing.
 */
export class RosterAdmin {
  readonly tenants: Tenants;
  readonly keys: ApiKeys;

  constructor(options: ClientOptions & { adminToken: string }) {
    if (!options.adminToken) throw new TypeError('RosterAdmin: adminToken is required');
    const http = new Transport(options, `Bearer ${options.adminToken}`);
    this.tenants = new Tenants(http);
    this.keys = new ApiKeys(http);
  }
}
