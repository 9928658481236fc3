import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { ActorContext } from '../core/context.ts';
import { AppError, type FieldError } from '../core/errors.ts';
import { growthAnalyzer } from '../db/analyze.ts';
import { uniqueViolation } from '../db/errors.ts';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { FileFormatError, type ImportFormat, parseRecords } from '../modules/imports/import-parse.ts';
import { identifiersOf, toRowBody } from '../modules/imports/import-rows.ts';
import type { ImportOptions, ImportsService, StoredRowError } from '../modules/imports/imports.service.ts';
import type { ImportJobRow } from '../modules/imports/imports.table.ts';
import type { UserWrite } from '../modules/users/users.service.ts';
import type { BulkContext, BulkOutcome, BulkRow, UsersBulk } from '../modules/users/users-bulk.service.ts';
import { hasSideParts } from './user-change.plan.ts';
import { type PreparedParts, prepareParts, type StepsDeps, writeParts } from './user-change.steps.ts';
import type { UserChange } from './user-change.ts';

/** Checks one row body against the import row schema (the native user body's, plus side parts); [] when valid. */
export type RowValidator = (body: unknown) => FieldError[];

export interface ImportRunnerDeps extends StepsDeps {
  db: Kysely<DB>;
  imports: ImportsService;
  usersBulk: UsersBulk;
  validateRow: RowValidator;
  batchSize: number;
  /** How long a claimed job stays this process's without a checkpoint (default 60 s). */
  leaseMs?: number;
  onError?: (error: unknown, jobId: string) => void;
}

export interface ImportRunner {
  /** Claims one runnable job (queued, or running with an expired lease: a crashed process's) and runs it to its end. */
  runOnce(): Promise<boolean>;
  /** Runs jobs in the background, polling every `pollMs` when there are none. */
  start(pollMs?: number): void;
  /** Stops polling and waits for the job in hand to reach a checkpoint and stop. */
  stop(): Promise<void>;
}

/** An import row with the side parts of its change (brands, companies, plans, status). */
interface ImportRow extends BulkRow {
  change: UserChange;
  identifiers: Record<string, string>;
  parts?: PreparedParts;
}

class LeaseLost extends Error {}

function contextOf(job: ImportJobRow): ActorContext {
  return {
    tenantId: job.tenant_id,
    actor: job.actor,
    brand: null,
    scopes: (job.scopes as unknown as string[] | null) ?? null,
    source: 'import',
    requestId: job.id,
  };
}

function errorRows(
  row: number,
  identifiers: Record<string, string>,
  errors: { field: string | null; code: string; message: string }[],
): StoredRowError[] {
  return errors.map((e) => ({ row, identifiers, ...e }));
}

/** A database or domain error of one row as its report entries; anything else is not the row's fault (rethrown). */
function rowFailure(error: unknown): { field: string | null; code: string; message: string }[] {
  if (error instanceof AppError) {
    return error.fieldErrors.length > 0
      ? error.fieldErrors.map((e) => ({ field: e.field, code: e.code, message: e.message }))
      : [{ field: null, code: error.code, message: error.message }];
  }
  const constraint = uniqueViolation(error);
  if (constraint) {
    const field = constraint.includes('email')
      ? 'email'
      : constraint.includes('phone')
        ? 'phone'
        : constraint.includes('external_id')
          ? 'externalId'
          : constraint.includes('username')
            ? 'username'
            : 'attributes';
    return [{ field, code: 'taken', message: 'belongs to another user' }];
  }
  throw error;
}

/**
 * The bulk import job runner: reads a job's stored file from its checkpoint, validates each row with the native
 * body schema, plans it with the single-write planner and applies it in set-based batches, each committed with
 * its checkpoint, row errors and events. A process killed mid-batch loses that batch only; whoever takes the job
 * next (the lease expires) resumes from the checkpoint, so every row is applied exactly once.
 */
export function createImportRunner(deps: ImportRunnerDeps): ImportRunner {
  const { imports, usersBulk } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  let stopping = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  function toImportRow(row: number, body: Record<string, unknown>): ImportRow | StoredRowError[] {
    const identifiers = identifiersOf(body);
    const problems = deps.validateRow(body);
    if (problems.length > 0) return errorRows(row, identifiers, problems);
    const { brands, companies, plans, status, ...rest } = body as Record<string, any>;
    const input = rest as UserWrite;
    const change: UserChange = {};
    if (brands?.length) change.brands = { join: brands };
    if (companies?.length) change.companies = { join: companies };
    if (plans?.length) change.plans = { assign: plans };
    if (status) change.status = status;
    return { row, input, change, identifiers };
  }

  /** Applies one batch in one transaction; the report entries it stored. @throws LeaseLost, or what the batch threw. */
  async function applyBatch(
    ctx: ActorContext,
    job: ImportJobRow,
    bc: BulkContext,
    options: ImportOptions,
    rows: ImportRow[],
    parseErrors: StoredRowError[],
    consumed: number,
  ): Promise<{ failedRows: number }> {
    await usersBulk.prepareCredentials(ctx, bc, rows);
    const failedParts = new Map<number, StoredRowError[]>();
    for (const r of rows) {
      if (!hasSideParts(r.change, false)) continue;
      try {
        r.parts = await prepareParts(deps, ctx, r.change, {});
      } catch (error) {
        failedParts.set(r.row, errorRows(r.row, r.identifiers, rowFailure(error)));
      }
    }
    const ready = rows.filter((r) => !failedParts.has(r.row));
    // inTransaction: a batch may end sessions (password_changed), announced after the commit (afterCommit).
    return inTransaction(deps.db, async (trx) => {
      const outcomes: BulkOutcome[] = await usersBulk.writeBatch(trx, ctx, bc, ready, options);
      const errors: StoredRowError[] = [...parseErrors, ...[...failedParts.values()].flat()];
      const add = { rowsRead: consumed, created: 0, updated: 0, unchanged: 0, failed: 0 };
      const failed = new Set<number>([...parseErrors.map((e) => e.row), ...failedParts.keys()]);
      for (const [i, outcome] of outcomes.entries()) {
        const r = ready[i];
        if (outcome.kind === 'failed') {
          errors.push(...errorRows(r.row, r.identifiers, outcome.errors));
          failed.add(r.row);
          continue;
        }
        let kind = outcome.kind;
        if (r.parts && !options.dryRun) {
          const written = await writeParts(deps, trx, ctx, outcome.user(), kind === 'created', r.parts);
          const f = written.facts;
          if (kind === 'unchanged' && (f.brandsJoined.length || f.memberships.length || f.assignments.length || f.status)) kind = 'updated';
        }
        add[kind]++;
      }
      add.failed = failed.size;
      if (options.onError === 'abort' && failed.size > 0) {
        // Nothing of the batch holding the first bad row is applied: roll it back, keeping its report.
        throw new AbortImport(errors, consumed, failed.size);
      }
      errors.sort((a, b) => a.row - b.row);
      if (!(await imports.checkpoint(trx, job, owner, Number(job.rows_read), add, errors, leaseMs))) throw new LeaseLost();
      return { failedRows: failed.size };
    });
  }

  class AbortImport extends Error {
    constructor(
      readonly errors: StoredRowError[],
      readonly consumed: number,
      readonly failed: number,
    ) {
      super('aborted');
    }
  }

  /** Applies a batch; when it fails as a whole, row by row, so that only the bad row is reported. */
  async function applyWithFallback(
    ctx: ActorContext,
    job: ImportJobRow,
    bc: BulkContext,
    options: ImportOptions,
    rows: ImportRow[],
    parseErrors: StoredRowError[],
    consumed: number,
  ): Promise<void> {
    try {
      await applyBatch(ctx, job, bc, options, rows, parseErrors, consumed);
      job.rows_read = Number(job.rows_read) + consumed;
      return;
    } catch (error) {
      if (error instanceof LeaseLost || error instanceof AbortImport || rows.length <= 1) {
        if (!(error instanceof LeaseLost || error instanceof AbortImport) && rows.length === 1) {
          const r = rows[0];
          const errors = [...parseErrors, ...errorRows(r.row, r.identifiers, rowFailure(error))];
          if (options.onError === 'abort') throw new AbortImport(errors, consumed, 1);
          const stored = await inTransaction(deps.db, (trx) =>
            imports.checkpoint(
              trx,
              job,
              owner,
              Number(job.rows_read),
              { rowsRead: consumed, created: 0, updated: 0, unchanged: 0, failed: 1 + new Set(parseErrors.map((e) => e.row)).size },
              errors,
              leaseMs,
            ),
          );
          if (!stored) throw new LeaseLost();
          job.rows_read = Number(job.rows_read) + consumed;
          return;
        }
        throw error;
      }
    }
    // One by one, in file order: each row with the unreadable rows just before it, so that the checkpoint (records
    // consumed) stays in step with the file; the last takes what follows it.
    let remaining = consumed;
    let pending = parseErrors;
    for (const [i, r] of rows.entries()) {
      const last = i === rows.length - 1;
      const mine = last ? pending : pending.filter((e) => e.row < r.row);
      pending = last ? [] : pending.filter((e) => e.row >= r.row);
      const take = last ? remaining : 1 + new Set(mine.map((e) => e.row)).size;
      await applyWithFallback(ctx, job, bc, options, [r], mine, take);
      remaining -= take;
    }
  }

  async function runJob(job: ImportJobRow): Promise<void> {
    const ctx = contextOf(job);
    if (!(await imports.start(ctx, job, owner))) return;
    const options = job.options as unknown as ImportOptions;
    // The batch being written while the next one is read and checked: reading and validating rows (this process's
    // CPU) overlaps with the database's writing, and batches still commit one at a time in file order.
    let inFlight: Promise<unknown> | null = null;
    const settle = async () => {
      const failure = await inFlight;
      inFlight = null;
      if (failure) throw failure;
    };
    try {
      const bc = await usersBulk.context(ctx);
      // Rows that may be new users (an upper bound is enough to know when the table has doubled).
      const users = options.dryRun ? null : await growthAnalyzer(deps.db, 'users');
      const skip = Number(job.rows_read);
      let seen = 0;
      let rows: ImportRow[] = [];
      let parseErrors: StoredRowError[] = [];
      let consumed = 0;
      let keys = new Set<string>();
      const flush = async () => {
        if (consumed === 0) return;
        const batch = { rows, parseErrors, consumed };
        rows = [];
        parseErrors = [];
        consumed = 0;
        keys = new Set();
        await settle();
        // Settled into a value (never a rejection left unobserved while the next batch is read).
        inFlight = (async () => {
          const current = await imports.reload(job);
          if (current?.status !== 'running' || current.lease_owner !== owner) throw new LeaseLost();
          await applyWithFallback(ctx, job, bc, options, batch.rows, batch.parseErrors, batch.consumed);
          await users?.grew(batch.rows.length);
        })().then(
          () => null,
          (error: unknown) => error ?? new Error('import batch failed'),
        );
      };
      for await (const parsed of parseRecords(job.format as ImportFormat, imports.chunks(job.id), { delimiter: options.delimiter })) {
        seen++;
        if (seen <= skip) continue;
        if (stopping) throw new LeaseLost();
        let item: ImportRow | StoredRowError[];
        if ('error' in parsed) item = errorRows(parsed.row, {}, [parsed.error]);
        else item = toImportRow(parsed.row, toRowBody(job.format as ImportFormat, parsed.record, options.columns, bc.definitions));
        if (!Array.isArray(item)) {
          // Two rows for one user in one batch would both plan a create: the second goes to the next batch.
          const raw = (item.input as Record<string, unknown>)[options.match];
          const key = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
          if (key && keys.has(key)) await flush();
          if (key) keys.add(key);
        }
        consumed++;
        if (Array.isArray(item)) parseErrors.push(...item);
        else rows.push(item);
        if (consumed >= deps.batchSize) await flush();
      }
      await flush();
      await settle();
      await users?.finish();
      await imports.finish(ctx, job.id, owner, 'succeeded');
    } catch (thrown) {
      // A batch still being written finishes first: its outcome comes before whatever stopped the reading.
      const failure: unknown = await (inFlight as Promise<unknown> | null);
      const error = failure ?? thrown;
      if (error instanceof LeaseLost) return;
      if (error instanceof AbortImport) {
        await inTransaction(deps.db, (trx) =>
          imports.checkpoint(
            trx,
            job,
            owner,
            Number(job.rows_read),
            { rowsRead: error.consumed, created: 0, updated: 0, unchanged: 0, failed: error.failed },
            error.errors,
            leaseMs,
          ),
        );
        await imports.finish(ctx, job.id, owner, 'failed', `aborted at row ${error.errors[0]?.row ?? '?'} (onError=abort)`);
        return;
      }
      if (error instanceof FileFormatError) {
        await imports.finish(ctx, job.id, owner, 'failed', error.message);
        return;
      }
      throw error;
    }
  }

  async function runOnce(): Promise<boolean> {
    const job = await imports.claim(owner, leaseMs);
    if (!job) return false;
    try {
      await runJob(job);
    } catch (error) {
      deps.onError?.(error, job.id);
    }
    return true;
  }

  return {
    runOnce,
    start(pollMs = 1000) {
      if (loop) return;
      stopping = false;
      loop = (async () => {
        while (!stopping) {
          let worked = false;
          try {
            worked = await runOnce();
          } catch (error) {
            deps.onError?.(error, '');
          }
          if (!worked && !stopping) {
            await new Promise<void>((done) => {
              const timer = setTimeout(done, pollMs);
              timer.unref();
              wake = () => {
                clearTimeout(timer);
                done();
              };
            });
            wake = null;
          }
        }
      })();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      loop = null;
    },
  };
}
