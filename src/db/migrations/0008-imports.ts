import type { Kysely } from 'kysely';
import { runStatements } from '../run-statements.ts';

/**
 * Bulk import jobs (issue 13): the job with its options, counters, checkpoint and lease; the uploaded file in
 * chunks (stored before processing, so a crash loses nothing); and the per-row error report.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE import_jobs (
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      id uuid NOT NULL,
      status text NOT NULL,
      format text NOT NULL,
      options jsonb NOT NULL DEFAULT '{}',
      actor text NOT NULL,
      brand_id uuid,
      scopes jsonb,
      idempotency_key text,
      file_digest text,
      bytes bigint NOT NULL DEFAULT 0,
      rows_read bigint NOT NULL DEFAULT 0,
      created bigint NOT NULL DEFAULT 0,
      updated bigint NOT NULL DEFAULT 0,
      unchanged bigint NOT NULL DEFAULT 0,
      failed bigint NOT NULL DEFAULT 0,
      error text,
      lease_owner text,
      lease_until timestamptz,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      finished_at timestamptz,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE UNIQUE INDEX import_jobs_id_key ON import_jobs (id);
    CREATE UNIQUE INDEX import_jobs_tenant_idempotency_key ON import_jobs (tenant_id, idempotency_key);
    CREATE INDEX import_jobs_runnable_idx ON import_jobs (created_at) WHERE status IN ('queued', 'running');
    CREATE TABLE import_chunks (
      job_id uuid NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (job_id, seq)
    );
    CREATE TABLE import_errors (
      job_id uuid NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
      row_number bigint NOT NULL,
      seq integer NOT NULL,
      field text,
      code text NOT NULL,
      message text NOT NULL,
      identifiers jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (job_id, row_number, seq)
    )
    `,
  );
}
