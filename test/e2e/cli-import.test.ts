/**
 * `roster import`, `roster export` and `roster imports status` as a user runs them (`node bin/roster.js`), directly
 * on the run's backend: plain progress lines off a terminal, a summary table, exit 1 when rows failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, freshStorage, ROOT, type Storage } from './process.ts';

let storage: Storage;
let dir: string;
const SLOW = 180_000;

function roster(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['bin/roster.js', ...args], {
      cwd: ROOT,
      env: childEnv(storage.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => {
      stdout += c;
    });
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  storage = await freshStorage('cli_import');
  dir = mkdtempSync(join(tmpdir(), 'roster-cli-import-'));
  const created = await roster('tenants', 'create', '--slug', 'bulkcli', '--name', 'Bulk CLI');
  expect(created.code, created.stderr).toBe(0);
}, SLOW);

afterAll(async () => {
  await storage.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('roster import / export', () => {
  it(
    'imports a CSV with a summary table, exits 1 for a bad row, then exports what it imported',
    async () => {
      const file = join(dir, 'users.csv');
      writeFileSync(file, 'E-Mail,name\na@example.com,Ann\nnot-an-email,Bob\nc@example.com,"Cee, C"\n');
      const run = await roster('import', file, '--tenant', 'bulkcli', '--columns', 'E-Mail=email');
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/import [0-9a-f-]{36}: succeeded, 3\/3 rows/);
      expect(run.stdout).toMatch(/succeeded.*3.*2.*0.*0.*1/s);
      expect(run.stdout).toContain('invalid_email');
      const id = /import ([0-9a-f-]{36})/.exec(run.stderr)?.[1] as string;

      const status = await roster('imports', 'status', id, '--tenant', 'bulkcli');
      expect(status.code).toBe(1);
      expect(status.stdout).toContain(id);

      const exported = await roster('export', '--tenant', 'bulkcli', '--format', 'csv');
      expect(exported.code, exported.stderr).toBe(0);
      const lines = exported.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0].startsWith('id,number,externalId,email')).toBe(true);
      expect(exported.stdout).toContain('"Cee, C"');

      const ok = join(dir, 'ok.ndjson');
      writeFileSync(ok, `${JSON.stringify({ email: 'a@example.com', name: 'Ann B' })}\n`);
      const clean = await roster('import', ok, '--tenant', 'bulkcli');
      expect(clean.code, clean.stdout).toBe(0);
      expect(clean.stderr).toMatch(/updated 1/);
    },
    SLOW,
  );
});
