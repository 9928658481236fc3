import type { ColumnType } from 'kysely';

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: ColumnType<unknown, string | null, string | null>;
  response_headers: ColumnType<Record<string, string> | null, string | null, string | null>;
  created_at: Date;
}
