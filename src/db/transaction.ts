import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

/** Runs work in one transaction; the executor passed in is the only one to use inside. */
export function inTransaction<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}
