import { type SafeError, safeError } from '../core/safe-error.ts';
import { databaseUnavailability } from './errors.ts';

export interface StartupRetryOptions {
  /** Give up after this long (ms); 0: never. */
  timeoutMs: number;
  /** First delay between attempts (ms); doubled after each failure up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Told of every failed attempt, before the wait. */
  onRetry(attempt: { attempt: number; retryInMs: number; elapsedMs: number; err: SafeError }): void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The database stayed unreachable for the whole start-up window. */
export class StartupTimeoutError extends Error {
  constructor(
    readonly attempts: number,
    readonly elapsedMs: number,
    readonly lastError: unknown,
  ) {
    super(`the database was not reachable after ${Math.round(elapsedMs / 1000)} s (${attempts} attempts); giving up`);
    this.name = 'StartupTimeoutError';
  }
}

/**
 * Runs `attempt` until it succeeds, retrying with exponential backoff while it fails because the database is
 * unreachable (refused, restarting, too many connections). Any other failure (wrong password, a failing
 * migration) is not going to pass by waiting and is thrown at once.
 * @throws StartupTimeoutError when the database is still unreachable after `timeoutMs`; the attempt's error otherwise.
 */
export async function retryUntilReachable<T>(attempt: () => Promise<T>, options: StartupRetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxDelay = options.maxDelayMs ?? 5000;
  const started = now();
  let delay = options.initialDelayMs ?? 250;
  for (let count = 1; ; count++) {
    try {
      return await attempt();
    } catch (error) {
      if (databaseUnavailability(error) === null) throw error;
      const elapsedMs = now() - started;
      const left = options.timeoutMs > 0 ? options.timeoutMs - elapsedMs : Number.POSITIVE_INFINITY;
      if (left <= 0) throw new StartupTimeoutError(count, elapsedMs, error);
      const retryInMs = Math.min(delay, maxDelay, left);
      // The stack says nothing here (the same socket error every time).
      const { stack: _stack, ...err } = safeError(error);
      options.onRetry({ attempt: count, retryInMs, elapsedMs, err });
      await sleep(retryInMs);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
