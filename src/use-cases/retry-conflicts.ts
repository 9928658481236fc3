/** PostgreSQL's serialization failure and deadlock: the transaction was rolled back whole and may run again. */
const RETRYABLE = new Set(['40001', '40P01']);

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));
}

/**
 * Runs a write again when the database rolled it back for a serialization failure or a deadlock (two changes
 * of one user taking its rows in different orders). Safe only for work whose every write is in that one
 * rolled-back transaction. @throws the last error after `attempts` tries, and any other error at once.
 */
export async function retryConflicts<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
    }
  }
}
