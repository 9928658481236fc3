import type { Kysely } from 'kysely';
import type { ActorContext } from '../core/context.ts';
import type { DB } from '../db/schema.ts';
import type { AttributesService } from '../modules/attributes/attributes.service.ts';
import type { AttributeDefinitionRow } from '../modules/attributes/attributes.table.ts';
import type { CompanyMembersService, PreparedMembership } from '../modules/companies/company-members.service.ts';
import type { PreparedAssignment, UserPlansService } from '../modules/plans/user-plans.service.ts';
import type { SessionOpener, SessionsService } from '../modules/sessions/sessions.service.ts';
import type { UserView } from '../modules/users/users.ts';
import { type ApplyOptions, emptyFacts, type UserChange, type UserChangeFacts } from './user-change.ts';
import type { BrandRef, UsersLifecycleService } from './users-lifecycle.service.ts';

export interface StepsDeps {
  usersLifecycle: Pick<UsersLifecycleService, 'requireBrand' | 'writeBrandMembership' | 'writeStatus'>;
  companyMembers: Pick<CompanyMembersService, 'prepareMembership' | 'writeMembership'>;
  userPlans: Pick<UserPlansService, 'prepareAssignment' | 'writeAssignment' | 'writeEndAssignment'>;
  sessions: Pick<SessionsService, 'preparePasswordless'>;
  attributes: Pick<AttributesService, 'missingDefinitions' | 'writeDefinitionsIfAbsent'>;
}

/** The side parts of a change, read and checked before its transaction (nothing may query `db` inside it). */
export interface PreparedParts {
  /** Definitions the change needs and the tenant lacks (written first, in the transaction). */
  define: AttributeDefinitionRow[];
  join: BrandRef[];
  leave: BrandRef[];
  memberships: PreparedMembership[];
  assignments: PreparedAssignment[];
  end: string[];
  status: UserChange['status'];
  session: SessionOpener | null;
}

/**
 * Resolves brands and plans and checks memberships, so that a change naming an unknown one fails before it
 * writes anything. @throws AppError BRAND_NOT_FOUND, PLAN_NOT_FOUND, VALIDATION_FAILED, TENANT_NOT_FOUND
 */
export async function prepareParts(deps: StepsDeps, ctx: ActorContext, change: UserChange, options: ApplyOptions): Promise<PreparedParts> {
  const brand = (slug: string) => deps.usersLifecycle.requireBrand(ctx, slug);
  const [define, join, leave, assignments, session] = await Promise.all([
    deps.attributes.missingDefinitions(ctx, change.defineAttributes ?? []),
    Promise.all((change.brands?.join ?? []).map(brand)),
    Promise.all((change.brands?.leave ?? []).map(brand)),
    Promise.all((change.plans?.assign ?? []).map((input) => deps.userPlans.prepareAssignment(ctx, input))),
    options.passwordlessSession ? deps.sessions.preparePasswordless(ctx, options.passwordlessSession) : Promise.resolve(null),
  ]);
  const memberships = (change.companies?.join ?? []).map(({ ref, ...input }) => deps.companyMembers.prepareMembership(ref, input));
  return { define, join, leave, memberships, assignments, end: change.plans?.end ?? [], status: change.status, session };
}

/**
 * Writes the side parts inside the user's transaction, in an order that lets each see the last: attribute
 * definitions, brands,
 * companies, plans, status, and the session last (a deactivated user gets none). Returns the user as it left it.
 * @throws AppError COMPANY_NOT_FOUND, PLAN_ASSIGNMENT_NOT_FOUND, USER_DEACTIVATED, SESSIONS_LIMIT_REACHED
 */
export async function writeParts(
  deps: StepsDeps,
  trx: Kysely<DB>,
  ctx: ActorContext,
  start: UserView,
  created: boolean,
  parts: PreparedParts,
): Promise<{ user: UserView; facts: UserChangeFacts }> {
  const facts = emptyFacts();
  let user = start;
  if (created && ctx.brand) facts.brandsJoined.push(ctx.brand.slug);
  await deps.attributes.writeDefinitionsIfAbsent(trx, ctx, parts.define);
  for (const [brands, action] of [
    [parts.join, 'join'],
    [parts.leave, 'leave'],
  ] as const) {
    for (const brand of brands) {
      const after = await deps.usersLifecycle.writeBrandMembership(trx, ctx, user.id, brand, action, !created);
      if (!after) continue;
      user = after;
      (action === 'join' ? facts.brandsJoined : facts.brandsLeft).push(brand.slug);
    }
  }
  for (const membership of parts.memberships)
    facts.memberships.push(await deps.companyMembers.writeMembership(trx, ctx, user.id, membership));
  for (const assignment of parts.assignments) facts.assignments.push(await deps.userPlans.writeAssignment(trx, ctx, user.id, assignment));
  for (const id of parts.end) facts.endedAssignments.push(await deps.userPlans.writeEndAssignment(trx, ctx, user.id, id));
  if (parts.status) {
    const after = await deps.usersLifecycle.writeStatus(trx, ctx, user, parts.status);
    if (after) {
      user = after;
      facts.status = parts.status;
    }
  }
  if (parts.session) facts.session = await parts.session.open(trx, user.id);
  return { user, facts };
}
