import type { Static } from 'typebox';
import { isCalendarDate } from '../../core/calendar-date.ts';
import { notFound, validationFailed } from '../../core/error-helpers.ts';
import type { AppError, FieldError } from '../../core/errors.ts';
import { changedValues, trimmedText } from '../../core/fields.ts';
import type { Changes } from '../events/events.service.ts';
import type { PlanPatchSchema, PlanSchema } from './plans.schemas.ts';
import type { PlanRow, UserPlanRow } from './plans.table.ts';

/** A plan as the native API accepts it (the patch body: on a create `name` is required by the schema too). */
export type PlanInput = Static<typeof PlanPatchSchema>;

export type PlanView = Static<typeof PlanSchema>;

export interface PlanColumns {
  external_id?: string | null;
  name?: string;
  default_duration?: string | null;
}

export interface AssignmentView {
  id: string;
  userId: string;
  plan: PlanView;
  validFrom: string;
  validTo: string | null;
  endedAt: string | null;
  /** validFrom ≤ now < validTo (or no validTo) and not ended, by the server's clock. */
  active: boolean;
  createdAt: string;
}

// ISO 8601 date durations only: a plan lasts years, months, weeks or days, never "2 hours".
const DURATION = /^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;
// Periods are kept within four-digit years (the end of 9999-12-31 would be year 10000).
const EARLIEST = Date.parse('1900-01-01T00:00:00Z');
/** The latest instant a validity bound may take. */
export const LATEST_BOUND = Date.parse('9999-12-31T00:00:00Z');

export function toPlanView(row: PlanRow): PlanView {
  return {
    id: row.id,
    number: row.number,
    externalId: row.external_id,
    name: row.name,
    defaultDuration: row.default_duration,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** True while the assignment is in force at `now`. */
export function isAssignmentActive(row: Pick<UserPlanRow, 'valid_from' | 'valid_to' | 'ended_at'>, now: Date): boolean {
  return row.ended_at === null && row.valid_from <= now && (row.valid_to === null || now < row.valid_to);
}

export function toAssignmentView(row: UserPlanRow, plan: PlanRow, now: Date): AssignmentView {
  return {
    id: row.id,
    userId: row.user_id,
    plan: toPlanView(plan),
    validFrom: row.valid_from.toISOString(),
    validTo: row.valid_to?.toISOString() ?? null,
    endedAt: row.ended_at?.toISOString() ?? null,
    active: isAssignmentActive(row, now),
    createdAt: row.created_at.toISOString(),
  };
}

/** `start` moved on by an ISO 8601 date duration, in UTC; a month-end date stays in its month (Jan 31 + P1M = Feb 28). */
export function addDuration(start: Date, duration: string): Date {
  const m = DURATION.exec(duration);
  if (!m) throw new Error(`not a date duration: ${duration}`);
  const [years, months, weeks, days] = m.slice(1).map((part) => Number(part ?? 0));
  const end = new Date(start);
  const day = end.getUTCDate();
  end.setUTCDate(1);
  end.setUTCMonth(end.getUTCMonth() + years * 12 + months);
  const lastDay = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0)).getUTCDate();
  end.setUTCDate(Math.min(day, lastDay));
  return new Date(end.getTime() + (weeks * 7 + days) * DAY_MS);
}

/**
 * Reads a validity bound: an RFC 3339 date-time, or a `YYYY-MM-DD` date meaning the start of that day (UTC)
 * for `validFrom` and its end (the next midnight, UTC, exclusive) for `validTo`.
 * @returns the instant, or null after pushing a field error.
 */
export function parseValidityBound(value: string, field: 'validFrom' | 'validTo', errors: FieldError[]): Date | null {
  const text = value.trim().toUpperCase();
  let time: number;
  if (isCalendarDate(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    time = field === 'validTo' ? start + DAY_MS : start;
  } else {
    const m = DATE_TIME.exec(text);
    time = m && isCalendarDate(m[1]) ? Date.parse(text) : Number.NaN;
  }
  if (Number.isNaN(time)) {
    errors.push({ field, code: 'invalid_date', message: 'must be an RFC 3339 date-time or a YYYY-MM-DD date' });
    return null;
  }
  if (time < EARLIEST || time > LATEST_BOUND) {
    errors.push({ field, code: 'out_of_range', message: 'must fall between 1900-01-01 and 9999-12-30' });
    return null;
  }
  return new Date(time);
}

/**
 * Plans a plan create (existing = null) or merge patch: the columns to write and the changes to record.
 * @throws AppError VALIDATION_FAILED naming each invalid field.
 */
export function planPlanWrite(input: PlanInput, existing: PlanRow | null): { columns: PlanColumns; changes: Changes } {
  const errors: FieldError[] = [];
  const columns: PlanColumns = {};
  if (input.externalId !== undefined) {
    columns.external_id = trimmedText(input.externalId, 'externalId', errors, input.externalId !== null);
  }
  if (input.name !== undefined || !existing) columns.name = trimmedText(input.name ?? null, 'name', errors, true) ?? '';
  if (input.defaultDuration !== undefined) {
    const duration = input.defaultDuration?.trim().toUpperCase() || null;
    if (duration !== null && !DURATION.test(duration)) {
      errors.push({
        field: 'defaultDuration',
        code: 'invalid_duration',
        message: 'must be an ISO 8601 date duration like P1M, P30D or P1Y',
      });
    }
    columns.default_duration = duration;
  }
  if (errors.length > 0) throw validationFailed(errors);
  const before = existing ? { externalId: existing.external_id, name: existing.name, defaultDuration: existing.default_duration } : {};
  const changes = changedValues(before, {
    ...('external_id' in columns ? { externalId: columns.external_id } : {}),
    ...('name' in columns ? { name: columns.name } : {}),
    ...('default_duration' in columns ? { defaultDuration: columns.default_duration } : {}),
  });
  return { columns, changes };
}

/** A PLAN_NOT_FOUND naming the reference the caller used (and the body field, when it came from one). */
export function planNotFound(ref: string | number, field?: string): AppError {
  return notFound('PLAN_NOT_FOUND', { plan: ref }, { message: `Plan ${ref} not found`, field, fieldMessage: `no plan ${ref}` });
}
