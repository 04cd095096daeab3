import type { DataSourceOptions } from 'typeorm';
import type { LlmManagerDatabaseOptions } from '../llm-manager.options';

/** How long a statement waits for another connection's lock on a SQLite file: better-sqlite3's own default. */
export const SQLITE_LOCK_WAIT_MS = 5_000;

/**
 * The sqlite3 package gives up on a locked file after 1 s, better-sqlite3 after 5 s: a CLI command or a backup holding
 * the lock a little longer would fail writes on one driver and not the other. Both wait 5 s unless the options say
 * otherwise (`busyTimeout` for sqlite3, `timeout` for better-sqlite3).
 */
export function sqliteLockWait(database: LlmManagerDatabaseOptions): Partial<DataSourceOptions> {
  return database.type === 'sqlite' && database.busyTimeout === undefined ? { busyTimeout: SQLITE_LOCK_WAIT_MS } : {};
}
