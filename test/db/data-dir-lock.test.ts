/**
 * The data-directory lock on its own: taken with the pid, advertised with the URL, refused while its owner runs,
 * cleared when the owner is gone, released only by its owner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, advertiseDataDirUrl, DataDirLockedError, LOCK_FILE, readDataDirLock } from '../../src/db/data-dir-lock.ts';

let dir: string;
const sleepers: ChildProcess[] = [];

/** A process that is running (or, once `exited`, one that is gone) and is not this one. */
async function otherProcess(exited: boolean): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  sleepers.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  if (exited) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return child.pid as number;
}

const lockPath = () => join(dir, LOCK_FILE);
const writeLock = (content: unknown) => writeFileSync(lockPath(), typeof content === 'string' ? content : JSON.stringify(content));
const readLock = () => JSON.parse(readFileSync(lockPath(), 'utf8'));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => {
  for (const child of sleepers) child.kill('SIGKILL');
});

describe('data directory lock', () => {
  it('is taken with this pid, advertises the URL, and is removed on release', () => {
    const lock = acquireDataDirLock(dir);
    expect(readLock()).toMatchObject({ pid: process.pid, url: null });
    advertiseDataDirUrl(dir, 'http://127.0.0.1:8080');
    expect(readLock()).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:8080' });
    // This process's own lock does not lock it out.
    expect(readDataDirLock(dir)).toBeNull();
    lock.release();
    expect(existsSync(lockPath())).toBe(false);
    lock.release();
  });

  it('is refused while another running process holds it, naming its pid and URL', async () => {
    const pid = await otherProcess(false);
    writeLock({ pid, url: 'http://127.0.0.1:9999', since: new Date().toISOString() });
    expect(readDataDirLock(dir)).toMatchObject({ pid, url: 'http://127.0.0.1:9999' });
    let error: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as DataDirLockedError).owner.pid).toBe(pid);
    expect((error as Error).message).toBe(`the server (pid ${pid}) holds ${dir} and serves http://127.0.0.1:9999`);
    // Nothing of the owner's is touched: not the file, nor by advertising.
    advertiseDataDirUrl(dir, 'http://127.0.0.1:1');
    expect(readLock()).toMatchObject({ pid, url: 'http://127.0.0.1:9999' });
  });

  it('says so when the holder does not serve yet', async () => {
    const pid = await otherProcess(false);
    writeLock({ pid, url: null, since: '' });
    expect(() => acquireDataDirLock(dir)).toThrow(`another roster process (pid ${pid}) holds ${dir}`);
  });

  it('clears a stale lock (its process is gone) or an unreadable one, and takes it', async () => {
    const gone = await otherProcess(true);
    for (const stale of [{ pid: gone, url: 'http://127.0.0.1:9999' }, 'half a lo', { pid: -1 }]) {
      writeLock(stale);
      expect(readDataDirLock(dir)).toBeNull();
      const lock = acquireDataDirLock(dir);
      expect(readLock()).toMatchObject({ pid: process.pid, url: null });
      lock.release();
    }
  });

  it('is released only by its owner: a lock taken over by another process stays', async () => {
    const lock = acquireDataDirLock(dir);
    const pid = await otherProcess(false);
    writeLock({ pid, url: null, since: '' });
    lock.release();
    expect(readLock().pid).toBe(pid);
  });
});
