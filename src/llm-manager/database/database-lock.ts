import type { DataSource } from 'typeorm';
import { LlmManagerError } from '../common/llm-manager.error';
import { sharedSqliteFile } from './private-sqlite-file';
import { withSqliteFileLock } from './sqlite-file-lock';

const WAIT_SECONDS = 60;
const POLL_MS = 100;

/**
 * Runs `work` while holding a lock named `name`, so instances starting together take turns (migrations, the YAML
 * import) instead of racing into duplicate tables or platforms. PostgreSQL: a session advisory lock; MySQL/MariaDB:
 * GET_LOCK; a SQLite file: an exclusive lock on `<file>-lock` (sqlite-file-lock.ts). The wait is a loop of tries, so
 * no single statement waits long enough to meet the query timeout.
 */
export async function withDatabaseLock<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<T> {
  const type = dataSource.options.type;
  const sqliteFile = sharedSqliteFile(dataSource.options);
  if (sqliteFile !== undefined) return withSqliteFileLock(sqliteFile, WAIT_SECONDS * 1000, () => busy(name), work);
  if (type !== 'postgres' && type !== 'mysql' && type !== 'mariadb') return work();
  // A lock belongs to one session: take and give it back on the same connection, apart from the pool `work` uses.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [take, give] =
      type === 'postgres'
        ? ['SELECT pg_try_advisory_lock(hashtext($1)) AS acquired', 'SELECT pg_advisory_unlock(hashtext($1))']
        : ['SELECT GET_LOCK(?, 0) AS acquired', 'SELECT RELEASE_LOCK(?)'];
    const deadline = Date.now() + WAIT_SECONDS * 1000;
    while (!acquired(await runner.query(take, [name]))) {
      if (Date.now() > deadline) throw busy(name);
      await new Promise((wake) => setTimeout(wake, POLL_MS));
    }
    try {
      return await work();
    } finally {
      await runner.query(give, [name]);
    }
  } finally {
    await runner.release();
  }
}

/** `true` (PostgreSQL) or `1` (MySQL/MariaDB, as a number or a string). */
function acquired(rows: unknown): boolean {
  const value = (rows as Array<{ acquired: unknown }>)[0]?.acquired;
  return value === true || Number(value) === 1;
}

function busy(name: string): LlmManagerError {
  return new LlmManagerError(
    'DATABASE_BUSY',
    `Another instance held the database lock "${name}" for over ${WAIT_SECONDS} s (a start-up or a YAML sync). ` +
      'Wait for it to finish and try again; if no instance is starting, look for a stuck session holding it.',
    { details: { retryAfterSeconds: 5 } },
  );
}
