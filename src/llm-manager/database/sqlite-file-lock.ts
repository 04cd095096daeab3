import Database from 'better-sqlite3';
import { createPrivateSqliteFile } from './private-sqlite-file';

/**
 * A lock that processes sharing one SQLite file take turns on: an exclusive transaction on a small SQLite file beside
 * it (`<file>-lock`). SQLite's own file locks are the operating system's, so a process that dies (even by `kill -9`)
 * lets go of it at once: no stale lock to clean up. The wait is a loop of non-blocking tries, never a busy timeout,
 * which would block the event loop for the whole wait.
 */
export async function withSqliteFileLock<T>(
  databaseFile: string,
  waitMs: number,
  onTimeout: () => Error,
  work: () => Promise<T>,
): Promise<T> {
  const lockFile = `${databaseFile}-lock`;
  createPrivateSqliteFile({ type: 'better-sqlite3', database: lockFile });
  const lock = new Database(lockFile, { timeout: 0 });
  try {
    const deadline = Date.now() + waitMs;
    for (let pause = 5; !tryExclusive(lock); pause = Math.min(pause * 2, 100)) {
      if (Date.now() > deadline) throw onTimeout();
      await new Promise((wake) => setTimeout(wake, pause));
    }
    try {
      return await work();
    } finally {
      lock.exec('COMMIT');
    }
  } finally {
    lock.close();
  }
}

function tryExclusive(lock: Database.Database): boolean {
  try {
    lock.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return false;
    throw error;
  }
}
