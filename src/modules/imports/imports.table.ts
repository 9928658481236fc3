import type { ColumnType, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string, string>;
type Count = ColumnType<number, number | undefined, number>;

export interface ImportJobsTable {
  tenant_id: string;
  id: string;
  status: string;
  format: string;
  options: Json<Record<string, unknown>>;
  actor: string;
  brand_id: string | null;
  scopes: Json<string[] | null>;
  idempotency_key: string | null;
  file_digest: string | null;
  bytes: Count;
  rows_read: Count;
  created: Count;
  updated: Count;
  unchanged: Count;
  failed: Count;
  error: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ImportChunksTable {
  job_id: string;
  seq: number;
  data: Uint8Array;
}

export interface ImportErrorsTable {
  job_id: string;
  row_number: number;
  seq: number;
  field: string | null;
  code: string;
  message: string;
  identifiers: Json<Record<string, string>>;
}

export type ImportJobRow = Selectable<ImportJobsTable>;
export type ImportErrorRow = Selectable<ImportErrorsTable>;
