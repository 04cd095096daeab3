import { QueryFailedError } from 'typeorm';

/** A write refused because the row's primary or unique key is already taken: another writer got there first. */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; message?: string } | undefined;
  return (
    driverError?.code === '23505' || // PostgreSQL unique_violation
    driverError?.code === 'ER_DUP_ENTRY' || // MySQL/MariaDB
    driverError?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || // better-sqlite3: the extended code
    driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    // The sqlite3 package reports only the primary code, shared with NOT NULL, CHECK and foreign keys.
    (driverError?.code === 'SQLITE_CONSTRAINT' && /\bUNIQUE constraint failed\b/.test(driverError.message ?? ''))
  );
}

/** MySQL/MariaDB's "Deadlock found when trying to get lock" (1213): the statement was rolled back and may be retried. */
export function isDeadlock(error: unknown): boolean {
  const driverError = (error as { driverError?: { errno?: number; code?: string } }).driverError;
  return driverError?.errno === 1213 || driverError?.code === 'ER_LOCK_DEADLOCK';
}
