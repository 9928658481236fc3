import { decodeCursor, encodeCursor } from '../../core/cursor.ts';
import { type AppError, invalidField } from '../../core/errors.ts';

/**
 * A place in the gap-free feed: the transaction that wrote an event (PostgreSQL's `xid8`, as decimal text) and the
 * event's insert sequence within it. The feed is ordered by this pair; see docs/choices.md (issue 12).
 */
export interface FeedPosition {
  txid: string;
  seq: number;
}

/** The position before every event. */
export const FEED_START: FeedPosition = { txid: '0', seq: 0 };

const TXID = /^\d{1,19}$/;

function invalidCursor(param: string): AppError {
  return invalidField(param, 'is not a valid cursor', 'invalid_cursor', 'INVALID_PARAMETER');
}

/** The opaque cursor of a feed position. */
export function encodeFeedCursor(position: FeedPosition): string {
  return encodeCursor([position.txid, position.seq]);
}

/**
 * Reads a cursor made by encodeFeedCursor.
 * @throws AppError INVALID_PARAMETER naming `param` when it was not made here.
 */
export function decodeFeedCursor(cursor: string, param: string): FeedPosition {
  const parts = cursor.length <= 512 ? decodeCursor(cursor) : null;
  if (parts?.length !== 2) throw invalidCursor(param);
  const [txid, seq] = parts;
  if (typeof txid !== 'string' || !TXID.test(txid)) throw invalidCursor(param);
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw invalidCursor(param);
  return { txid, seq };
}
