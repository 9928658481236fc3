import { type IsolationLevel, type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from './schema.ts';

// The hooks of each open transaction, by its executor; gone with it.
const commitHooks = new WeakMap<Kysely<DB>, Array<() => void>>();

/** How a transaction reads: a read-only one at `repeatable read` sees one snapshot in every statement. */
export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
}

/**
 * Runs work in one transaction; the executor passed in is the only one to use inside. Hooks registered with
 * `afterCommit` on it run once the commit has succeeded, in order, and never after a rollback.
 * @throws whatever work throws (the transaction is rolled back), or the driver's error on commit.
 */
export async function inTransaction<T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const hooks: Array<() => void> = [];
  const modes = [options.isolation && `isolation level ${options.isolation}`, options.readOnly && 'read only'].filter(Boolean);
  const result = await db.transaction().execute(async (trx) => {
    commitHooks.set(trx, hooks);
    // As the first statement (not the builder's settings, which the PGlite dialect does not pass on).
    if (modes.length > 0) await sql.raw(`set transaction ${modes.join(', ')}`).execute(trx);
    return work(trx);
  });
  for (const hook of hooks) {
    // A hook's failure must not turn a committed change into an error for the caller.
    try {
      hook();
    } catch {}
  }
  return result;
}

/**
 * Runs `hook` once what `executor` wrote is committed: after the commit of a transaction opened by
 * `inTransaction`, at once for a plain (autocommit) executor, whose statements are committed when they return.
 * What others may only learn after a commit (a cache invalidation published outside the database) goes here:
 * sent earlier, a reader could re-read and keep the row as it was before the change.
 * @throws Error when `executor` is a transaction not opened by `inTransaction` (its commit cannot be seen).
 */
export function afterCommit(executor: Kysely<DB>, hook: () => void): void {
  const hooks = commitHooks.get(executor);
  if (hooks) hooks.push(hook);
  else if (executor.isTransaction) throw new Error('afterCommit needs a transaction opened by inTransaction');
  else hook();
}
