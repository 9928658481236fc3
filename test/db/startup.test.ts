/**
 * Start-up retry: an unreachable database is retried with backoff (each attempt reported) up to the limit; any
 * other failure is thrown at once. Time is injected, so nothing sleeps. Also the configuration of the limits.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { retryUntilReachable, StartupTimeoutError } from '../../src/db/startup.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

describe('retryUntilReachable', () => {
  it('retries while the database is unreachable, doubling the wait up to the cap, then returns the result', async () => {
    const time = fakeTime();
    const attempts: number[] = [];
    let calls = 0;
    const result = await retryUntilReachable(
      async () => {
        calls++;
        if (calls < 7) throw refused();
        return 'migrated';
      },
      {
        timeoutMs: 60_000,
        initialDelayMs: 250,
        maxDelayMs: 5000,
        now: time.now,
        sleep: time.sleep,
        onRetry: (a) => attempts.push(a.attempt),
      },
    );
    expect(result).toBe('migrated');
    expect(time.waits).toEqual([250, 500, 1000, 2000, 4000, 5000]);
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reports each attempt with the safe error fields and no stack', async () => {
    const time = fakeTime();
    const reported: unknown[] = [];
    let calls = 0;
    await retryUntilReachable(
      async () => {
        if (calls++ === 0) throw Object.assign(refused(), { client: { password: 'hunter2' } });
      },
      { timeoutMs: 10_000, now: time.now, sleep: time.sleep, onRetry: (a) => reported.push(a) },
    );
    expect(reported).toEqual([
      {
        attempt: 1,
        retryInMs: 250,
        elapsedMs: 0,
        err: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' },
      },
    ]);
  });

  it('gives up with StartupTimeoutError once the limit has passed, never waiting past it', async () => {
    const time = fakeTime();
    const error = await retryUntilReachable(
      async () => {
        throw refused();
      },
      { timeoutMs: 3000, now: time.now, sleep: time.sleep, onRetry: () => {} },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupTimeoutError);
    expect((error as StartupTimeoutError).message).toBe('the database was not reachable after 3 s (5 attempts); giving up');
    expect(time.waits.reduce((a, b) => a + b, 0)).toBe(3000);
  });

  it('throws any other failure at once (a wrong password or a failing migration does not pass by waiting)', async () => {
    const time = fakeTime();
    const wrongPassword = Object.assign(new Error('password authentication failed for user "roster"'), { code: '28P01' });
    await expect(
      retryUntilReachable(
        async () => {
          throw wrongPassword;
        },
        { timeoutMs: 60_000, now: time.now, sleep: time.sleep, onRetry: () => {} },
      ),
    ).rejects.toBe(wrongPassword);
    expect(time.waits).toEqual([]);
  });

  it('with a limit of 0 keeps retrying', async () => {
    const time = fakeTime();
    let calls = 0;
    await retryUntilReachable(
      async () => {
        if (calls++ < 50) throw refused();
      },
      { timeoutMs: 0, now: time.now, sleep: time.sleep, onRetry: () => {} },
    );
    expect(calls).toBe(51);
  });
});

describe('database settings', () => {
  it('have defaults and are validated by name', () => {
    expect(loadConfig({})).toMatchObject({ dbStatementTimeoutMs: 30_000, dbAcquireTimeoutMs: 5000, dbStartupTimeoutSeconds: 120 });
    expect(
      loadConfig({ ROSTER_DB_STATEMENT_TIMEOUT_MS: '0', ROSTER_DB_ACQUIRE_TIMEOUT_MS: '250', ROSTER_DB_STARTUP_TIMEOUT_SECONDS: '0' }),
    ).toMatchObject({ dbStatementTimeoutMs: 0, dbAcquireTimeoutMs: 250, dbStartupTimeoutSeconds: 0 });
    expect(() => loadConfig({ ROSTER_DB_STATEMENT_TIMEOUT_MS: '-1' })).toThrow(/ROSTER_DB_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ ROSTER_DB_ACQUIRE_TIMEOUT_MS: 'soon' })).toThrow(/ROSTER_DB_ACQUIRE_TIMEOUT_MS/);
    expect(() => loadConfig({ ROSTER_DB_STARTUP_TIMEOUT_SECONDS: '1.5' })).toThrow(/ROSTER_DB_STARTUP_TIMEOUT_SECONDS/);
  });
});
