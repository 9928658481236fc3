import type { FieldError } from '../../core/errors.ts';
import type { AssignmentView } from '../../modules/plans/plans.ts';
import { isCalendarDate, normalizeEmail, type UserInput, type UserView, validationError } from '../../modules/users/users.ts';
import type { UserChange } from '../../use-cases/user-change.ts';

/** Publica.la's permission flags and the Roster roles they stand for. */
export const FLAG_ROLES = { admin: 'admin', plan_admin: 'plan_admin', only_sees_readable: 'readonly' } as const;

export type Flag = keyof typeof FLAG_ROLES;

type Scalar = string | number | boolean | null;

/** A create or update body after validation. */
export interface PublicaLaWrite {
  externalId: string;
  email: string;
  password?: string;
  /** null clears the limit. */
  sessionsLimit?: number | null;
  flags: Partial<Record<Flag, boolean>>;
  /** A plan to assign by its number, held through `validTo` (yyyy-mm-dd) or for the plan's default duration. */
  plan?: { number: number; validTo?: string };
}

const MAX_SESSIONS = 999_999;
const DIGITS = /^\d{1,15}$/;
const TRUE = new Set<Scalar>([true, 1, '1', 'true']);
const FALSE = new Set<Scalar>([false, 0, '0', 'false']);

/**
 * A value as a Laravel controller sees it: strings trimmed and empty ones null (its TrimStrings and
 * ConvertEmptyStringsToNull middleware). A password is not trimmed: its spaces are part of it.
 */
function laravelValue(value: unknown, trim = true): Scalar | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value as Scalar;
  const text = trim ? value.trim() : value;
  return text === '' ? null : text;
}

/** A positive integer sent as a JSON number or a digit string (form bodies); undefined when it is not one. */
function positiveInteger(value: Scalar): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && DIGITS.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/**
 * Validates a create (`update: false`) or update body the way Publica.la's Laravel rules read it and maps it to
 * Roster's terms; `today` (yyyy-mm-dd, UTC) is the earliest end date a new plan may have.
 * @throws AppError VALIDATION_FAILED listing every invalid field, in Publica.la's names.
 */
export function parseUserBody(raw: unknown, options: { update: boolean; today: string }): PublicaLaWrite {
  const body: Record<string, unknown> =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const errors: FieldError[] = [];
  const fail = (field: string, code: string, message: string) => errors.push({ field, code, message });
  const out: PublicaLaWrite = { externalId: '', email: '', flags: {} };

  const externalId = laravelValue(body.external_id);
  if (externalId === null || externalId === undefined) fail('external_id', 'required', 'is required');
  else if (typeof externalId === 'string' && externalId.length <= 255) out.externalId = externalId;
  else if (typeof externalId === 'number' && Number.isSafeInteger(externalId)) out.externalId = String(externalId);
  else fail('external_id', 'invalid', 'must be a string of at most 255 characters');

  const email = laravelValue(body.email);
  if (email === null || email === undefined) fail('email', 'required', 'is required');
  else if (typeof email === 'string' && normalizeEmail(email)) out.email = email;
  else fail('email', 'invalid_email', 'must be a valid email address');

  const password = laravelValue(body.new_password, false);
  if (typeof password === 'string') out.password = password;
  else if (password !== null && password !== undefined) fail('new_password', 'invalid', 'must be a string');

  const limit = laravelValue(body.sessions_limit);
  if (limit === null) out.sessionsLimit = null;
  else if (limit !== undefined) {
    const n = positiveInteger(limit);
    if (n === undefined || n > MAX_SESSIONS) fail('sessions_limit', 'out_of_range', `must be null or an integer from 1 to ${MAX_SESSIONS}`);
    else out.sessionsLimit = n;
  }

  const plan = laravelValue(body.assign_new_plan);
  const validTo = laravelValue(body.new_plan_custom_valid_to);
  if (validTo !== null && validTo !== undefined) {
    if (typeof validTo !== 'string' || !isCalendarDate(validTo))
      fail('new_plan_custom_valid_to', 'invalid_date', 'must be a date in yyyy-mm-dd form');
    else if (validTo < options.today) fail('new_plan_custom_valid_to', 'invalid_date', 'must be a date after or equal to today');
  }
  if (plan !== null && plan !== undefined) {
    const number = positiveInteger(plan);
    if (number === undefined) fail('assign_new_plan', 'invalid', 'must be the number of a plan');
    else out.plan = typeof validTo === 'string' ? { number, validTo } : { number };
  }

  for (const flag of Object.keys(FLAG_ROLES) as Flag[]) {
    const value = laravelValue(body[flag]);
    const required = options.update && flag === 'only_sees_readable';
    if (value === null || value === undefined) {
      if (required) fail(flag, 'required', 'is required');
    } else if (TRUE.has(value)) out.flags[flag] = true;
    else if (FALSE.has(value)) out.flags[flag] = false;
    else fail(flag, 'invalid_boolean', 'must be true or false');
  }

  if (options.update) {
    const name = laravelValue(body.user_plan_name);
    if (name !== null && name !== undefined && typeof name !== 'string') fail('user_plan_name', 'invalid', 'must be a string');
  }
  if (errors.length > 0) throw validationError(errors);
  return out;
}

/**
 * The core change for a validated body: the flags add or remove their roles against the roles the user holds
 * when the change runs (a flag left out keeps its role, a tenant's own roles are kept), and the plan is
 * assigned in the same transaction as the user's write.
 */
export function toUserChange(write: PublicaLaWrite): UserChange {
  const profile: UserInput = { externalId: write.externalId, email: write.email };
  if (write.sessionsLimit !== undefined) profile.sessionsLimit = write.sessionsLimit;
  const change: UserChange = { profile };
  if (write.password !== undefined) change.credential = { password: write.password };
  const sent = Object.entries(write.flags) as [Flag, boolean][];
  if (sent.length > 0) {
    change.roles = {
      add: sent.filter(([, on]) => on).map(([flag]) => FLAG_ROLES[flag]),
      remove: sent.filter(([, on]) => !on).map(([flag]) => FLAG_ROLES[flag]),
    };
  }
  if (write.plan) {
    const { number, validTo } = write.plan;
    change.plans = { assign: [validTo ? { plan: number, validTo } : { plan: number }] };
  }
  return change;
}

/** Roster's field names in core errors, as Publica.la names them. */
const FIELD_NAMES: Record<string, string> = {
  password: 'new_password',
  passwordHash: 'new_password',
  sessionsLimit: 'sessions_limit',
  externalId: 'external_id',
  plan: 'assign_new_plan',
  validTo: 'new_plan_custom_valid_to',
  validFrom: 'new_plan_custom_valid_to',
};

/** A core field name in Publica.la's terms (its own names pass unchanged). */
export function toPublicaLaField(field: string): string {
  if (field.startsWith('roles')) return 'admin';
  // Own keys only: a field named `constructor` or `__proto__` is itself, not Object.prototype's member.
  return Object.hasOwn(FIELD_NAMES, field) ? (FIELD_NAMES[field] as string) : field;
}

interface CarbonDate {
  timestamp: number;
  date: string;
  timezone: 'UTC';
}

/** An instant as Publica.la's create answer shows it: unix seconds and `yyyy-mm-dd hh:mm:ss` in UTC. */
export function toCarbon(iso: string): CarbonDate {
  const time = Date.parse(iso);
  return { timestamp: Math.floor(time / 1000), date: new Date(time).toISOString().slice(0, 19).replace('T', ' '), timezone: 'UTC' };
}

/** An instant as Laravel serializes a date attribute: ISO 8601 with microseconds, in UTC. */
export function toLaravelTime(iso: string): string;
export function toLaravelTime(iso: string | null): string | null;
export function toLaravelTime(iso: string | null): string | null {
  return iso === null ? null : `${new Date(iso).toISOString().slice(0, 23)}000Z`;
}

/**
 * A plan's end as Publica.la shows it: the last second the plan holds (`2030-12-31T23:59:59.000000Z` for a plan
 * set with `new_plan_custom_valid_to: "2030-12-31"`), where Roster keeps the exclusive instant (`2031-01-01T00:00Z`).
 */
export function toPublicalaPlanEnd(exclusiveEnd: string | null): string | null {
  if (exclusiveEnd === null) return null;
  const lastSecond = Math.floor((Date.parse(exclusiveEnd) - 1) / 1000) * 1000;
  return `${new Date(lastSecond).toISOString().slice(0, 19)}.000000Z`;
}

function hasRole(user: UserView, flag: Flag): boolean {
  return user.roles.includes(FLAG_ROLES[flag]);
}

/** A user as Publica.la's create answers it. */
export function toCreatedUser(user: UserView) {
  return {
    id: user.number,
    email: user.email,
    uuid: user.id,
    picture: user.picture,
    admin: hasRole(user, 'admin'),
    plan_admin: hasRole(user, 'plan_admin'),
    only_sees_readable: hasRole(user, 'only_sees_readable'),
    sessions_limit: user.sessionsLimit,
    created_at: toCarbon(user.createdAt),
    updated_at: toCarbon(user.updatedAt),
    deleted_at: user.deactivatedAt ? toCarbon(user.deactivatedAt) : null,
  };
}

function toUserPlan(assignment: AssignmentView) {
  return {
    id: assignment.id,
    plan_id: assignment.plan.number,
    plan_name: assignment.plan.name,
    valid_from: toLaravelTime(assignment.validFrom),
    valid_to: toPublicalaPlanEnd(assignment.validTo),
    ended_at: toLaravelTime(assignment.endedAt),
    active: assignment.active,
    created_at: toLaravelTime(assignment.createdAt),
  };
}

/**
 * A user as Publica.la's list answers it, with the user's plan assignments. `impersonate` is the Roster URL that
 * opens a session as the user (POST, with a sessions:write key); `origin` is the scheme and host the client called.
 */
export function toListedUser(user: UserView, assignments: AssignmentView[], origin: string) {
  return {
    id: user.number,
    uuid: user.id,
    admin: hasRole(user, 'admin'),
    plan_admin: hasRole(user, 'plan_admin'),
    email: user.email,
    sessions_limit: user.sessionsLimit,
    // Laravel casts admin and plan_admin but not this column: the document shows it as 1 or 0.
    only_sees_readable: hasRole(user, 'only_sees_readable') ? 1 : 0,
    picture: user.picture,
    created_at: toLaravelTime(user.createdAt),
    updated_at: toLaravelTime(user.updatedAt),
    deleted_at: toLaravelTime(user.deactivatedAt),
    purchased_issues_with_cancelled_count: 0,
    user_plans_count: assignments.length,
    can_be_edited: true,
    created_at_date_string: user.createdAt.slice(0, 10),
    impersonate: `${origin}/v1/users/${user.id}/sessions`,
    sessions: null,
    ip_ranges: [],
    referrers: [],
    purchased_issues_with_cancelled: [],
    user_plans: assignments.map(toUserPlan),
  };
}
