import type { Insertable, Updateable } from 'kysely';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ImportErrorRow, ImportJobRow, ImportJobsTable } from './imports.table.ts';

type NewJob = Insertable<ImportJobsTable>;

export async function insertJob(db: Kysely<DB>, job: NewJob): Promise<void> {
  await db.insertInto('import_jobs').values(job).execute();
}

export async function findJob(db: Kysely<DB>, tenantId: string, id: string): Promise<ImportJobRow | undefined> {
  return db.selectFrom('import_jobs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findJobByIdempotencyKey(db: Kysely<DB>, tenantId: string, key: string): Promise<ImportJobRow | undefined> {
  return db.selectFrom('import_jobs').selectAll().where('tenant_id', '=', tenantId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** A tenant's jobs, newest first, before a created-at/id position. */
export async function listJobs(
  db: Kysely<DB>,
  tenantId: string,
  limit: number,
  before?: { at: Date; id: string },
): Promise<ImportJobRow[]> {
  let q = db.selectFrom('import_jobs').selectAll().where('tenant_id', '=', tenantId);
  if (before)
    q = q.where((eb) => eb.or([eb('created_at', '<', before.at), eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)])]));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function insertChunk(db: Kysely<DB>, jobId: string, seq: number, data: Uint8Array): Promise<void> {
  await db.insertInto('import_chunks').values({ job_id: jobId, seq, data }).execute();
}

/**
 * Deletes a job's uploaded file. The file holds whatever the rows held (passwords, hashes, personal data); once the
 * job has ended nothing reads it again, so it is not kept.
 */
export async function deleteChunks(db: Kysely<DB>, jobId: string): Promise<void> {
  await db.deleteFrom('import_chunks').where('job_id', '=', jobId).execute();
}

export async function findChunk(db: Kysely<DB>, jobId: string, seq: number): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom('import_chunks').select('data').where('job_id', '=', jobId).where('seq', '=', seq).executeTakeFirst();
  return row?.data;
}

export async function updateJob(
  db: Kysely<DB>,
  tenantId: string,
  id: string,
  set: Updateable<ImportJobsTable>,
): Promise<ImportJobRow | undefined> {
  return db.updateTable('import_jobs').set(set).where('tenant_id', '=', tenantId).where('id', '=', id).returningAll().executeTakeFirst();
}

/**
 * Takes the oldest runnable job whose lease is free or expired (`FOR UPDATE SKIP LOCKED`: processes claiming at
 * once take different jobs) and leases it to `owner` until `until`.
 */
export async function claimJob(db: Kysely<DB>, owner: string, now: Date, until: Date): Promise<ImportJobRow | undefined> {
  const result = await sql<ImportJobRow>`
    update import_jobs set lease_owner = ${owner}, lease_until = ${until}::timestamptz
    where id = (
      select id from import_jobs
      where status in ('queued', 'running') and (lease_until is null or lease_until < ${now}::timestamptz)
      order by created_at limit 1
      for update skip locked)
    returning *`.execute(db);
  return result.rows[0];
}

/** The counts a batch adds, with the rows it consumed. */
export interface Checkpoint {
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

/**
 * Moves the job's checkpoint on by a batch, inside the batch's transaction, while `owner` still holds its lease
 * and the job still runs from where the batch began; false otherwise (the caller rolls the batch back).
 */
export async function advanceCheckpoint(
  db: Kysely<DB>,
  jobId: string,
  owner: string,
  from: number,
  add: Checkpoint,
  leaseUntil: Date,
): Promise<boolean> {
  const row = await db
    .updateTable('import_jobs')
    .set((eb) => ({
      rows_read: eb('rows_read', '+', add.rowsRead),
      created: eb('created', '+', add.created),
      updated: eb('updated', '+', add.updated),
      unchanged: eb('unchanged', '+', add.unchanged),
      failed: eb('failed', '+', add.failed),
      lease_until: leaseUntil,
    }))
    .where('id', '=', jobId)
    .where('lease_owner', '=', owner)
    .where('rows_read', '=', from)
    .where('status', '=', 'running')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertRowErrors(db: Kysely<DB>, jobId: string, errors: Omit<ImportErrorRow, 'job_id'>[]): Promise<void> {
  for (let i = 0; i < errors.length; i += 2000) {
    await db
      .insertInto('import_errors')
      .values(errors.slice(i, i + 2000).map((e) => ({ ...e, job_id: jobId, identifiers: JSON.stringify(e.identifiers) })))
      .execute();
  }
}

/** A job's row errors in file order after a position. */
export async function listRowErrors(
  db: Kysely<DB>,
  jobId: string,
  after: { row: number; seq: number },
  limit: number,
): Promise<ImportErrorRow[]> {
  return db
    .selectFrom('import_errors')
    .selectAll()
    .where('job_id', '=', jobId)
    .where((eb) => eb.or([eb('row_number', '>', after.row), eb.and([eb('row_number', '=', after.row), eb('seq', '>', after.seq)])]))
    .orderBy('row_number')
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** The row errors of a tenant's imports whose identifiers hold one of `values` (an email, phone or external id). */
export async function listRowErrorsNaming(db: Kysely<DB>, tenantId: string, values: string[]): Promise<ImportErrorRow[]> {
  if (values.length === 0) return [];
  return db
    .selectFrom('import_errors')
    .selectAll('import_errors')
    .innerJoin('import_jobs', 'import_jobs.id', 'import_errors.job_id')
    .where('import_jobs.tenant_id', '=', tenantId)
    .where(sql<boolean>`exists (select 1 from jsonb_each_text(import_errors.identifiers) i where i.value = any(${values}::text[]))`)
    .orderBy('import_errors.job_id')
    .orderBy('import_errors.row_number')
    .execute();
}

/** Deletes the row errors of a tenant's imports whose identifiers hold one of `values`. */
export async function deleteRowErrorsNaming(db: Kysely<DB>, tenantId: string, values: string[]): Promise<void> {
  if (values.length === 0) return;
  await db
    .deleteFrom('import_errors')
    .where('job_id', 'in', (qb) => qb.selectFrom('import_jobs').select('id').where('tenant_id', '=', tenantId))
    .where(sql<boolean>`exists (select 1 from jsonb_each_text(import_errors.identifiers) i where i.value = any(${values}::text[]))`)
    .execute();
}
