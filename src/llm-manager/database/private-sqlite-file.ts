import { closeSync, constants, openSync } from 'fs';
import type { LlmManagerDatabaseOptions } from '../llm-manager.options';

/**
 * Creates a new SQLite database file readable by its owner only (0600, like `.env`) before the driver opens it: the
 * driver would create it 0644, and the file holds every encrypted key, the token hashes and the usage of every user.
 * SQLite gives its journal and WAL files the database file's mode. An existing file is left as the operator made it.
 */
export function createPrivateSqliteFile(database: LlmManagerDatabaseOptions | { type: 'better-sqlite3'; database: string }): void {
  const file = sharedSqliteFile(database);
  if (file === undefined) return;
  let fd: number;
  try {
    // O_EXCL: only a file this call creates gets the mode; never a chmod of someone else's file.
    fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch {
    // EEXIST: the operator's file, left as it is. A missing folder or no permission: the driver's own open fails the
    // same way and reports it as it always did.
    return;
  }
  closeSync(fd);
}

/** The file path of a SQLite store that other processes could open too; undefined for memory and URI databases. */
export function sharedSqliteFile(database: { type: string; database?: unknown }): string | undefined {
  if (database.type !== 'better-sqlite3' && database.type !== 'sqlite') return undefined;
  const file = database.database;
  if (typeof file !== 'string' || file === '' || file === ':memory:' || file.startsWith('file:')) return undefined;
  return file;
}
