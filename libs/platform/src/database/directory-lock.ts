import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/** The lock file lives inside the directory it guards: `<dir>/ledger.lock`. */
export const LOCK_FILE_NAME = 'ledger.lock';

export class DataDirectoryLockedError extends Error {
  readonly code = 'data-directory-locked';
  constructor(readonly directory: string, readonly lockFile: string, readonly holder: LockHolder) {
    super(
      `data directory ${directory} is already in use by process ${holder.pid} on ${holder.hostname} ` +
        `(lock file ${lockFile}); stop that process or point LEDGER_DATA_DIR at another directory`,
    );
    this.name = 'DataDirectoryLockedError';
  }
}

interface LockHolder {
  pid: number;
  hostname: string;
  token: string;
}

export interface DirectoryLock {
  readonly lockFile: string;
  release(): void;
}

/**
 * Takes an exclusive, cross-process lock on `directory` (created if missing) with a lock file
 * created by O_EXCL. A lock whose process no longer runs on this host is stale and taken over; a
 * lock held by a live process, by this process, or by another host is refused.
 */
export function lockDirectory(directory: string): DirectoryLock {
  const dir = resolve(directory);
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, LOCK_FILE_NAME);
  const me: LockHolder = { pid: process.pid, hostname: hostname(), token: `${process.pid}-${Date.now()}-${Math.random()}` };

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      const onExit = () => removeIfOurs(lockFile, me.token);
      process.once('exit', onExit);
      return {
        lockFile,
        release: () => {
          process.removeListener('exit', onExit);
          removeIfOurs(lockFile, me.token);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockFile);
    if (holder === undefined) continue; // vanished between open and read: try again
    if (holder !== 'unreadable' && isStale(holder, me.hostname)) {
      // Re-read just before removing, so we never delete a lock another process just took over.
      const again = readHolder(lockFile);
      if (again !== undefined && again !== 'unreadable' && again.token === holder.token) unlinkQuietly(lockFile);
      continue;
    }
    throw new DataDirectoryLockedError(
      dir,
      lockFile,
      holder === 'unreadable' ? { pid: NaN, hostname: 'unknown', token: '' } : holder,
    );
  }
  throw new Error(`could not take the lock file ${lockFile}: it keeps changing; is another process starting?`);
}

function readHolder(lockFile: string): LockHolder | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname, token: String(parsed.token ?? text) };
    }
  } catch {
    // fall through
  }
  // A bare pid (older or hand-written lock) is accepted too.
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? { pid, hostname: hostname(), token: text } : 'unreadable';
}

function isStale(holder: LockHolder, ourHost: string): boolean {
  if (holder.hostname !== ourHost) return false; // cannot see another host's processes
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function removeIfOurs(lockFile: string, token: string): void {
  const holder = readHolder(lockFile);
  if (holder && holder !== 'unreadable' && holder.token === token) unlinkQuietly(lockFile);
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
