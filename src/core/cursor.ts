import { type AppError, invalidField } from './errors.ts';
import { isUuid } from './ids.ts';
import { isStorableTime } from './instant.ts';

/** Opaque pagination cursors: base64url JSON arrays. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The cursor's values, or null when it was not made by encodeCursor. */
export function decodeCursor(cursor: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The one error of every cursor that was not made here: forged, truncated or out of range. It never says which part
 * failed, so the format stays opaque.
 */
function invalidCursor(param: string): AppError {
  return invalidField(param, 'is not a valid cursor', 'invalid_cursor', 'INVALID_PARAMETER');
}

/** Longest cursor text decoded at all (the routes' schemas say 512 too; this holds for any other caller). */
const MAX_CURSOR_LENGTH = 512;

/**
 * Canonical `Date.toISOString()` text of a year from 0001 to 9999. Other years (0000, ±YYYYYY) are valid in JS but
 * not round-tripped by PostgreSQL's timestamptz (or by JS after PostgreSQL), so they are refused before SQL sees them.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The instant of a canonical ISO text within years 0001–9999, or null. */
function parseInstant(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  if (!ISO_INSTANT.test(value)) return null;
  const date = new Date(value);
  // Round-trip: refuses 2024-02-30, 25:00 and the like, which Date would silently roll over.
  return isStorableTime(date.getTime()) && date.toISOString() === value ? date : null;
}

/** The values of a cursor with exactly `arity` parts. */
function partsOf(cursor: string, arity: number, param: string): unknown[] {
  const decoded = cursor.length <= MAX_CURSOR_LENGTH ? decodeCursor(cursor) : null;
  if (!decoded || decoded.length !== arity) throw invalidCursor(param);
  return decoded;
}

/** A cursor over a bigint sequence (an event's `seq`). */
export function encodeSeqCursor(seq: number): string {
  return encodeCursor([seq]);
}

/**
 * Reads a cursor made by encodeSeqCursor: a safe non-negative integer (what a bigint column and a JS number agree on).
 * @throws AppError INVALID_PARAMETER naming `param` when it was not made here.
 */
export function decodeSeqCursor(cursor: string, param: string): number {
  const [seq] = partsOf(cursor, 1, param);
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw invalidCursor(param);
  return seq;
}

/** A position in a list ordered by (time, id): creation or join time, then id as the tie-breaker. */
export interface TimeIdPosition {
  at: Date;
  id: string;
}

/**
 * Reads a cursor made by timeIdPage; null when there is none. The time must be a canonical ISO instant in years
 * 0001–9999 and the id a UUID, so no decoded value reaches SQL unchecked.
 * @throws AppError INVALID_PARAMETER naming `param` (default `cursor`) when it was not made here.
 */
export function decodeTimeIdCursor(cursor: string | undefined, param = 'cursor'): TimeIdPosition | null {
  if (!cursor) return null;
  const [time, id] = partsOf(cursor, 2, param);
  const at = parseInstant(time);
  if (!at || typeof id !== 'string' || !isUuid(id)) throw invalidCursor(param);
  return { at, id };
}

/** The cursor of a (time, id) position. */
export function encodeTimeIdCursor({ at, id }: TimeIdPosition): string {
  return encodeCursor([at.toISOString(), id]);
}

/** One page of `limit` rows out of `limit + 1` fetched, with the cursor of the next page when there is one. */
export function timeIdPage<R>(rows: R[], limit: number, position: (row: R) => TimeIdPosition): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  if (rows.length <= limit || !last) return { page, nextCursor: null };
  return { page, nextCursor: encodeTimeIdCursor(position(last)) };
}

/** A position in a list ordered by a named sort: the sort's value there (null for a row without one) and the id. */
export interface SortPosition {
  value: string | null;
  id: string;
}

/** The cursor of a position in the list ordered by `sort` (the sort's name travels with it). */
export function encodeSortCursor(sort: string, { value, id }: SortPosition): string {
  return encodeCursor([sort, value, id]);
}

/**
 * Reads a cursor made by encodeSortCursor for this `sort`; null when there is none. A cursor of another sort is not
 * one of this list's. `instant` says the value must be a canonical ISO instant (a time sort).
 * @throws AppError INVALID_PARAMETER naming `param` (default `cursor`) when it was not made here for this sort.
 */
export function decodeSortCursor(
  cursor: string | undefined,
  sort: string,
  options: { instant: boolean },
  param = 'cursor',
): SortPosition | null {
  if (!cursor) return null;
  const [name, value, id] = partsOf(cursor, 3, param);
  if (name !== sort || typeof id !== 'string' || !isUuid(id)) throw invalidCursor(param);
  if (value === null) return { value, id };
  if (typeof value !== 'string' || value.length > 1024 || (options.instant && !parseInstant(value))) throw invalidCursor(param);
  return { value, id };
}
