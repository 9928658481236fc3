import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { decodeCursor, decodeTimeIdCursor, encodeCursor, timeIdPage } from '../../core/cursor.ts';
import { AppError, invalidField } from '../../core/errors.ts';
import type { Ids } from '../../core/ids.ts';
import { uniqueViolation } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import type { BulkMode, MatchField } from '../users/users-bulk.service.ts';
import type { ImportFormat } from './import-parse.ts';
import {
  advanceCheckpoint,
  type Checkpoint,
  claimJob,
  deleteChunks,
  findChunk,
  findJob,
  findJobByIdempotencyKey,
  insertChunk,
  insertJob,
  insertRowErrors,
  listJobs,
  listRowErrors,
  updateJob,
} from './imports.repository.ts';
import type { ImportErrorSchema, ImportJobSchema } from './imports.schemas.ts';
import type { ImportJobRow } from './imports.table.ts';

export type ImportJobView = Static<typeof ImportJobSchema>;
export type ImportErrorView = Static<typeof ImportErrorSchema>;

/** How a job reads its file and applies its rows. */
export interface ImportOptions {
  match: MatchField;
  mode: BulkMode;
  dryRun: boolean;
  onError: 'skip' | 'abort';
  delimiter?: string;
  columns?: Record<string, string>;
}

/** A row error to store, with the row's identifiers as sent. */
export interface StoredRowError {
  row: number;
  field: string | null;
  code: string;
  message: string;
  identifiers: Record<string, string>;
}

/** Bytes per stored chunk of an upload. */
const CHUNK_BYTES = 1024 * 1024;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export interface ImportsService {
  /**
   * Stores an uploaded file (streamed, in chunks) and queues its job. With an idempotency key, the same file sent
   * again under the same key answers the job it made; another file under that key is refused.
   * @throws AppError IMPORT_TOO_LARGE, IDEMPOTENCY_KEY_REUSED
   */
  createImport(
    ctx: ActorContext,
    body: AsyncIterable<Uint8Array>,
    input: { format: ImportFormat; options: ImportOptions; idempotencyKey?: string },
  ): Promise<{ job: ImportJobView; replayed: boolean }>;
  /** @throws AppError IMPORT_NOT_FOUND */
  getImport(ctx: ActorContext, id: string): Promise<ImportJobView>;
  /** @throws AppError INVALID_PARAMETER for a malformed cursor */
  listImports(ctx: ActorContext, query: { cursor?: string; limit?: number }): Promise<{ data: ImportJobView[]; nextCursor: string | null }>;
  /** @throws AppError IMPORT_NOT_FOUND, INVALID_PARAMETER for a malformed cursor */
  listErrors(
    ctx: ActorContext,
    id: string,
    query: { cursor?: string; limit?: number },
  ): Promise<{ data: ImportErrorView[]; nextCursor: string | null }>;
  /**
   * Stops a queued or running job after its current batch and writes import.finished (`status: cancelled`) with
   * it. @throws AppError IMPORT_NOT_FOUND, IMPORT_FINISHED
   */
  cancelImport(ctx: ActorContext, id: string): Promise<ImportJobView>;

  // The job runner's steps (src/use-cases/run-import.ts).
  /** Leases the oldest runnable job to `owner` for `leaseMs`; undefined when none is free. */
  claim(owner: string, leaseMs: number): Promise<ImportJobRow | undefined>;
  /** The stored file of a job, chunk by chunk (each read outside any transaction). */
  chunks(jobId: string): AsyncGenerator<Uint8Array>;
  /** Marks a leased queued job running and writes import.started (not for a dry run), in one transaction. */
  start(ctx: ActorContext, job: ImportJobRow, owner: string): Promise<boolean>;
  /**
   * Inside a batch's transaction: stores its row errors and moves the checkpoint on; false when the lease was lost
   * or the job cancelled (roll the batch back then).
   */
  checkpoint(
    trx: Kysely<DB>,
    job: ImportJobRow,
    owner: string,
    from: number,
    add: Checkpoint,
    errors: StoredRowError[],
    leaseMs: number,
  ): Promise<boolean>;
  /** Ends a job (succeeded or failed) and writes import.finished (not for a dry run), unless it was cancelled. */
  finish(
    ctx: ActorContext,
    jobId: string,
    owner: string,
    status: 'succeeded' | 'failed',
    error?: string | null,
  ): Promise<ImportJobView | null>;
  /** The job as stored now. */
  reload(job: ImportJobRow): Promise<ImportJobRow | undefined>;
}

/** A job as the API shows it: counts, timing and the rate it ran at. */
export function toImportJobView(row: ImportJobRow, now: Date): ImportJobView {
  const options = row.options as unknown as ImportJobView['options'];
  const end = row.finished_at ?? now;
  const seconds = row.started_at ? (end.getTime() - row.started_at.getTime()) / 1000 : 0;
  return {
    id: row.id,
    status: (row.status === 'uploading' ? 'queued' : row.status) as ImportJobView['status'],
    format: row.format,
    options,
    bytes: Number(row.bytes),
    rowsRead: Number(row.rows_read),
    created: Number(row.created),
    updated: Number(row.updated),
    unchanged: Number(row.unchanged),
    failed: Number(row.failed),
    error: row.error,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    rate: seconds > 0 ? Math.round(Number(row.rows_read) / seconds) : null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createImportsService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  ids: Ids;
  events: EventsService;
  maxBytes: number;
}): ImportsService {
  const { db, clock, ids, events } = deps;

  async function requireJob(ctx: ActorContext, id: string): Promise<ImportJobRow> {
    const row = UUID.test(id) ? await findJob(db, ctx.tenantId, id) : undefined;
    if (!row) throw new AppError('IMPORT_NOT_FOUND', 'Import job not found', { id });
    return row;
  }

  /** import.finished with the job's final status and counts, in the transaction that ended it (none for a dry run). */
  async function recordFinished(trx: Kysely<DB>, ctx: ActorContext, row: ImportJobRow): Promise<void> {
    if ((row.options as unknown as ImportOptions).dryRun) return;
    await events.record(trx, ctx, {
      type: 'import.finished',
      data: {
        importId: row.id,
        status: row.status,
        rowsRead: Number(row.rows_read),
        created: Number(row.created),
        updated: Number(row.updated),
        unchanged: Number(row.unchanged),
        failed: Number(row.failed),
      },
    });
  }

  async function digestOf(body: AsyncIterable<Uint8Array>): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of body) hash.update(chunk);
    return hash.digest('hex');
  }

  async function replay(ctx: ActorContext, existing: ImportJobRow, digest: string): Promise<{ job: ImportJobView; replayed: boolean }> {
    if (existing.file_digest !== digest) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another file', {}, [
        { field: 'idempotency-key', code: 'reused', message: 'was used with another file' },
      ]);
    }
    return { job: toImportJobView((await findJob(db, ctx.tenantId, existing.id)) ?? existing, clock.now()), replayed: true };
  }

  return {
    async createImport(ctx, body, { format, options, idempotencyKey }) {
      if (idempotencyKey) {
        const existing = await findJobByIdempotencyKey(db, ctx.tenantId, idempotencyKey);
        if (existing) return replay(ctx, existing, await digestOf(body));
      }
      const id = ids.uuid();
      try {
        await insertJob(db, {
          tenant_id: ctx.tenantId,
          id,
          status: 'uploading',
          format,
          options: JSON.stringify(options),
          actor: ctx.actor,
          brand_id: ctx.brand?.id ?? null,
          scopes: JSON.stringify(ctx.scopes),
          idempotency_key: idempotencyKey ?? null,
          file_digest: null,
          created_at: clock.now(),
          started_at: null,
          finished_at: null,
          error: null,
          lease_owner: null,
          lease_until: null,
        });
      } catch (error) {
        if (!idempotencyKey || !uniqueViolation(error)) throw error;
        const existing = await findJobByIdempotencyKey(db, ctx.tenantId, idempotencyKey);
        if (existing) return replay(ctx, existing, await digestOf(body));
        throw error;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      let seq = 0;
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        await insertChunk(db, id, seq++, Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      };
      try {
        for await (const chunk of body) {
          bytes += chunk.length;
          if (bytes > deps.maxBytes) {
            throw new AppError('IMPORT_TOO_LARGE', `The file is larger than ${deps.maxBytes} bytes`, { maxBytes: deps.maxBytes });
          }
          hash.update(chunk);
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= CHUNK_BYTES) await flush();
        }
        await flush();
      } catch (error) {
        // An upload that did not arrive whole leaves no job behind (its chunks go with it).
        await db.deleteFrom('import_jobs').where('id', '=', id).execute();
        throw error;
      }
      const row = await updateJob(db, ctx.tenantId, id, { status: 'queued', bytes, file_digest: hash.digest('hex') });
      return { job: toImportJobView(row as ImportJobRow, clock.now()), replayed: false };
    },

    async getImport(ctx, id) {
      return toImportJobView(await requireJob(ctx, id), clock.now());
    },

    async listImports(ctx, query) {
      const limit = query.limit ?? 100;
      const before = decodeTimeIdCursor(query.cursor) ?? undefined;
      const rows = await listJobs(db, ctx.tenantId, limit + 1, before);
      const { page, nextCursor } = timeIdPage(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
      return { data: page.map((r) => toImportJobView(r, clock.now())), nextCursor };
    },

    async listErrors(ctx, id, query) {
      const job = await requireJob(ctx, id);
      const limit = query.limit ?? 100;
      let after = { row: 0, seq: -1 };
      if (query.cursor) {
        const [row, seq] = decodeCursor(query.cursor) ?? [];
        if (!Number.isSafeInteger(row) || !Number.isSafeInteger(seq))
          throw invalidField('cursor', 'is not a valid cursor', 'invalid_cursor', 'INVALID_PARAMETER');
        after = { row: row as number, seq: seq as number };
      }
      const rows = await listRowErrors(db, job.id, after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map((e) => ({
          row: Number(e.row_number),
          field: e.field,
          code: e.code,
          message: e.message,
          identifiers: e.identifiers,
        })),
        nextCursor: rows.length > limit && last ? encodeCursor([Number(last.row_number), last.seq]) : null,
      };
    },

    async cancelImport(ctx, id) {
      const job = await requireJob(ctx, id);
      if (FINISHED.has(job.status))
        throw new AppError('IMPORT_FINISHED', `The import job has already ${job.status}`, { status: job.status });
      return inTransaction(db, async (trx) => {
        const row = await trx
          .updateTable('import_jobs')
          .set({ status: 'cancelled', finished_at: clock.now(), lease_owner: null, lease_until: null })
          .where('id', '=', job.id)
          .where('status', 'in', ['uploading', 'queued', 'running'])
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new AppError('IMPORT_FINISHED', 'The import job has already finished');
        // A worker still running it loses its lease with the cancel, so it commits nothing more from the file.
        await deleteChunks(trx, job.id);
        await recordFinished(trx, ctx, row);
        return toImportJobView(row, clock.now());
      });
    },

    claim(owner, leaseMs) {
      const now = clock.now();
      return claimJob(db, owner, now, new Date(now.getTime() + leaseMs));
    },

    async *chunks(jobId) {
      for (let seq = 0; ; seq++) {
        const data = await findChunk(db, jobId, seq);
        if (!data) return;
        yield data;
      }
    },

    async start(ctx, job, owner) {
      if (job.status !== 'queued') return job.status === 'running';
      return inTransaction(db, async (trx) => {
        const row = await trx
          .updateTable('import_jobs')
          .set({ status: 'running', started_at: clock.now() })
          .where('id', '=', job.id)
          .where('status', '=', 'queued')
          .where('lease_owner', '=', owner)
          .returningAll()
          .executeTakeFirst();
        if (!row) return false;
        const options = row.options as unknown as ImportOptions;
        if (!options.dryRun) {
          await events.record(trx, ctx, {
            type: 'import.started',
            data: { importId: row.id, format: row.format, mode: options.mode, match: options.match, dryRun: options.dryRun },
          });
        }
        Object.assign(job, row);
        return true;
      });
    },

    async checkpoint(trx, job, owner, from, add, errors, leaseMs) {
      const until = new Date(clock.now().getTime() + leaseMs);
      if (!(await advanceCheckpoint(trx, job.id, owner, from, add, until))) return false;
      const seqs = new Map<number, number>();
      await insertRowErrors(
        trx,
        job.id,
        errors.map((e) => {
          const seq = seqs.get(e.row) ?? 0;
          seqs.set(e.row, seq + 1);
          return { row_number: e.row, seq, field: e.field, code: e.code, message: e.message.slice(0, 1000), identifiers: e.identifiers };
        }),
      );
      return true;
    },

    async finish(ctx, jobId, owner, status, error = null) {
      return inTransaction(db, async (trx) => {
        const row = await trx
          .updateTable('import_jobs')
          .set({ status, error, finished_at: clock.now(), lease_owner: null, lease_until: null })
          .where('id', '=', jobId)
          .where('status', '=', 'running')
          .where('lease_owner', '=', owner)
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        await deleteChunks(trx, jobId);
        await recordFinished(trx, ctx, row);
        return toImportJobView(row, clock.now());
      });
    },

    reload(job) {
      return findJob(db, job.tenant_id, job.id);
    },
  };
}
