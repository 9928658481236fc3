import type { DefinitionRequest } from '../modules/attributes/attributes.service.ts';
import type { MembershipResult, UpsertMembershipInput } from '../modules/companies/company-members.service.ts';
import type { PasswordInput } from '../modules/credentials/credentials.service.ts';
import type { AssignmentView } from '../modules/plans/plans.ts';
import type { AssignPlanInput } from '../modules/plans/user-plans.service.ts';
import type { ClientInfo, TokenResponse } from '../modules/sessions/sessions.ts';
import type { UserInput, UserView } from '../modules/users/users.ts';
import type { UserStatus } from './users-lifecycle.service.ts';

/** A company membership a change makes or updates (the company by id or external id). */
export interface CompanyMembershipChange extends UpsertMembershipInput {
  /** The company's id or external id. */
  ref: string;
}

/**
 * Everything one request may change about one user, applied in one transaction with all its events.
 * Every part is optional; an empty change on an existing user changes nothing.
 */
export interface UserChange {
  /** JSON merge patch of the profile, as the native API's user body (`roles` there sets them all). */
  profile?: UserInput;
  /** Role edits against the roles the user holds when the change runs (not when it was read). */
  roles?: { add?: string[]; remove?: string[]; set?: string[] };
  /** Brands (by slug) to join and to leave. A brand-bound key's own brand is joined on create or find as always. */
  brands?: { join?: string[]; leave?: string[] };
  /** Company memberships to make or update; `createCompany` creates a company the tenant does not have yet. */
  companies?: { join?: CompanyMembershipChange[] };
  /** Plans to assign (by id, number or external id, with their period) and assignments (by id) to end now. */
  plans?: { assign?: AssignPlanInput[]; end?: string[] };
  /** Custom attribute values, merged (null removes one; null for the whole object removes them all). */
  attributes?: Record<string, unknown> | null;
  /**
   * Attribute definitions the change needs (an adapter's fixed mapping onto custom attributes, as SCIM's
   * EnterpriseUser fields): each the tenant lacks is created in the change's transaction, with its event, and
   * `attributes` is checked against it. A name the tenant already defines keeps its definition, type included.
   */
  defineAttributes?: DefinitionRequest[];
  /** A new password, or an imported hash; ends the user's sessions when it replaces one. */
  credential?: PasswordInput;
  status?: UserStatus;
}

/** Which user the change applies to, and how that user is found or created. */
export type UserChangeTarget =
  /** A new user; fails when one of its identifiers is taken. */
  | { kind: 'create' }
  /** The user with the profile's email or phone, created when there is none (race-safe). */
  | { kind: 'find-or-create' }
  /** The user with this external id, created when there is none, else merge-patched (race-safe). */
  | { kind: 'upsert'; externalId: string }
  /** An existing user by id; with expectedVersion (If-Match), fails when the user has moved on. */
  | { kind: 'id'; id: string; expectedVersion?: number };

export interface ApplyOptions {
  /** Opens a passwordless session for the user as the change's last step, in its transaction. */
  passwordlessSession?: ClientInfo;
  /** The event a profile change writes (User.com's attribute endpoints write `attribute.set`). */
  eventType?: 'user.updated' | 'attribute.set';
}

/** What the change did, so that no adapter has to infer it. */
export interface UserChangeFacts {
  /** Brands this change joined the user to (the caller's own brand included). */
  brandsJoined: string[];
  brandsLeft: string[];
  memberships: MembershipResult[];
  /** Assignments this change created, in the order asked. */
  assignments: AssignmentView[];
  endedAssignments: AssignmentView[];
  /** The status this change set, when it changed it. */
  status: UserStatus | null;
  credentialSet: boolean;
  session: TokenResponse | null;
}

export interface UserChangeResult {
  user: UserView;
  /** True when this change created the user. */
  created: boolean;
  facts: UserChangeFacts;
}

/** Facts of a change that wrote nothing beyond the user row. */
export function emptyFacts(): UserChangeFacts {
  return {
    brandsJoined: [],
    brandsLeft: [],
    memberships: [],
    assignments: [],
    endedAssignments: [],
    status: null,
    credentialSet: false,
    session: null,
  };
}
