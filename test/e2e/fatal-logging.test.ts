/**
 * Fatal errors reach the terminal through the redacting logger only: one JSON line per event, pg error objects
 * reduced to safe fields. Here: a start against a PostgreSQL that never comes up, with a 1 s start-up limit.
 * Runs on both passes (it needs no database).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, childEnv, freePort, ROOT } from './process.ts';

describe('fatal errors of the server process', () => {
  it('retries an unreachable PostgreSQL, logs each attempt, then exits 1 with one clear fatal JSON line and nothing else', async () => {
    const port = await freePort();
    const dbPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: childEnv({
        DATABASE_URL: `postgres://roster:hunter2-db-password@127.0.0.1:${dbPort}/roster`,
        ROSTER_DB_STARTUP_TIMEOUT_SECONDS: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        ROSTER_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    expect(code, stdout + stderr).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; attempt?: number; err?: Record<string, unknown> });
    const retries = lines.filter((l) => l.msg === 'database not reachable; retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((l) => l.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(retries[0]?.err).toMatchObject({ code: 'ECONNREFUSED' });
    const fatal = lines.filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toMatch(
      /^roster failed to start: the database did not become ready: the database was not reachable after \d+ s \(\d+ attempts\); giving up$/,
    );
    // Lines come only from the logger: no stack dumps of driver objects, no credentials.
    for (const forbidden of ['hunter2-db-password', 'secretKey', 'processID', 'connectionParameters', '"client"']) {
      expect(stdout).not.toContain(forbidden);
    }
  }, 120_000);
});
