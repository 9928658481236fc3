import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An exclusive lock on an embedded PGlite data directory: a file inside it naming the owner's pid (and, once a
 * server listens, its URL). PGlite has no lock of its own, and two processes writing one directory corrupt it.
 */
export const LOCK_FILE = 'roster.lock';

/** What the lock file says about its owner. */
export interface LockOwner {
  pid: number;
  /** The URL a server holding the directory listens on; null until it listens (and for the CLI). */
  url: string | null;
  since: string;
}

/** Thrown when another running process holds the directory. */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      owner.url
        ? `the server (pid ${owner.pid}) holds ${dataDir} and serves ${owner.url}`
        : `another roster process (pid ${owner.pid}) holds ${dataDir}: a command, or a server not listening yet`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if this process still owns it. Idempotent. */
  release(): void;
}

function lockPath(dataDir: string): string {
  return join(dataDir, LOCK_FILE);
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) <= 0) return null;
    return {
      pid: value.pid as number,
      url: typeof value.url === 'string' ? value.url : null,
      since: typeof value.since === 'string' ? value.since : '',
    };
  } catch {
    return null;
  }
}

/** The lock file's owner as written, or null when there is none (or it cannot be read). */
function readOwner(path: string): LockOwner | null {
  try {
    return parseOwner(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The running process that holds the directory, or null when it is free or its lock is stale (its pid is gone,
 * or the file is unreadable). Never changes anything.
 */
export function readDataDirLock(dataDir: string): LockOwner | null {
  const owner = readOwner(lockPath(dataDir));
  return owner && owner.pid !== process.pid && isRunning(owner.pid) ? owner : null;
}

/** Writes the file next to its final place, then moves it there: a reader never sees half a lock. */
function writeAtomically(path: string, owner: LockOwner, replace: boolean): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
  try {
    // link() fails when the lock exists: exclusive creation with the content already in place.
    if (replace) renameSync(temporary, path);
    else linkSync(temporary, path);
  } finally {
    if (!replace) unlinkSync(temporary);
  }
}

/**
 * Takes the directory's lock for this process, clearing a stale one (owner gone), and releases it when the
 * process exits.
 * @throws DataDirLockedError when a running process holds it; Error when the directory cannot be written.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const owner: LockOwner = { pid: process.pid, url: null, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeAtomically(path, owner, false);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      const current = readOwner(path);
      if (current && current.pid !== process.pid && isRunning(current.pid)) throw new DataDirLockedError(dataDir, current);
      // Stale (its process is gone), unreadable, or ours from an earlier open: clear it and try again.
      try {
        unlinkSync(path);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readOwner(path)?.pid !== process.pid) return;
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  // A crash (uncaught error, process.exit) still removes it; a kill -9 leaves a stale lock, cleared by the next opener.
  process.on('exit', release);
  return { path, release };
}

/**
 * Records in the lock this process holds on `dataDir` the URL it serves, so a CLI that finds the directory locked
 * can use the server's API. Does nothing when this process does not hold it (PostgreSQL, or in-memory PGlite).
 */
export function advertiseDataDirUrl(dataDir: string, url: string): void {
  const path = lockPath(dataDir);
  const owner = readOwner(path);
  if (owner?.pid !== process.pid) return;
  writeAtomically(path, { ...owner, url }, true);
}
