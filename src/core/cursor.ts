import { invalidField } from './errors.ts';
import { isUuid } from './ids.ts';

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

/** A position in a list ordered by (time, id): creation or join time, then id as the tie-breaker. */
export interface TimeIdPosition {
  at: Date;
  id: string;
}

/**
 * Reads a cursor made by timeIdPage; null when there is none.
 * @throws AppError INVALID_PARAMETER naming `cursor` when it was not made here.
 */
export function decodeTimeIdCursor(cursor: string | undefined): TimeIdPosition | null {
  if (!cursor) return null;
  const decoded = decodeCursor(cursor);
  const time = typeof decoded?.[0] === 'string' ? Date.parse(decoded[0]) : Number.NaN;
  if (!decoded || Number.isNaN(time) || typeof decoded[1] !== 'string' || !isUuid(decoded[1])) {
    throw invalidField('cursor', 'is not a valid cursor', 'invalid_cursor', 'INVALID_PARAMETER');
  }
  return { at: new Date(time), id: decoded[1] };
}

/** One page of `limit` rows out of `limit + 1` fetched, with the cursor of the next page when there is one. */
export function timeIdPage<R>(rows: R[], limit: number, position: (row: R) => TimeIdPosition): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  if (rows.length <= limit || !last) return { page, nextCursor: null };
  const { at, id } = position(last);
  return { page, nextCursor: encodeCursor([at.toISOString(), id]) };
}
