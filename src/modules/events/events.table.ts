import type { ColumnType, Generated, Selectable } from 'kysely';

export interface EventsTable {
  seq: Generated<number>;
  /** The writing transaction (`xid8`, decimal text): the feed's order and horizon. */
  txid: Generated<string>;
  id: string;
  tenant_id: string;
  type: string;
  user_id: string | null;
  actor: string | null;
  source: string | null;
  request_id: string | null;
  changes: ColumnType<Record<string, { before: unknown; after: unknown }> | null, string | null, string | null>;
  data: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  created_at: Date;
}

export type EventRow = Selectable<EventsTable>;
