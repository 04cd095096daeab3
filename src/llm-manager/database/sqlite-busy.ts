import type { DataSource, QueryRunner } from 'typeorm';
import { databaseFailure } from './database-failure';

/**
 * How long one SQLite statement waits *synchronously* for another process's write lock. better-sqlite3 waits on the
 * event loop's thread, so this is kept short; the longer wait is the asynchronous retry below.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 20;
/** How long a statement is retried, asynchronously, before it fails with `DATABASE_BUSY`, unless the options say. */
export const SQLITE_BUSY_RETRY_MS = 5_000;

const BEGIN = /^BEGIN( DEFERRED)? TRANSACTION$/i;

/**
 * SQLite file shared by processes (two servers, a server and the CLI): a statement that meets another process's write
 * lock is tried again after a pause that grows to 100 ms, while the event loop serves other requests, and fails with
 * `DATABASE_BUSY` (HTTP 503 + Retry-After) only after `retryMs`. Transactions begin IMMEDIATE: the write
 * lock is taken at BEGIN, where waiting is safe, instead of at the first write inside, where SQLite can only give up.
 * Only statements that did nothing are retried: one outside a transaction, or the BEGIN itself.
 */
export function retryBusyStatements(dataSource: DataSource, retryMs: number): void {
  const driver = dataSource.driver;
  const create = driver.createQueryRunner.bind(driver);
  const patched = new WeakSet<QueryRunner>();
  driver.createQueryRunner = (mode) => {
    const runner = create(mode);
    if (!patched.has(runner)) {
      patched.add(runner);
      patchQuery(runner, retryMs);
    }
    return runner;
  };
}

function patchQuery(runner: QueryRunner, retryMs: number): void {
  const query = runner.query.bind(runner) as (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;
  runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean): Promise<unknown> => {
    const begin = BEGIN.test(sql);
    const statement = begin ? 'BEGIN IMMEDIATE TRANSACTION' : sql;
    const deadline = Date.now() + retryMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      try {
        return await query(statement, parameters, structured);
      } catch (error) {
        const busy = databaseFailure(error)?.code === 'DATABASE_BUSY';
        const retriable = busy && (begin || !runner.isTransactionActive);
        if (!retriable || Date.now() + pause > deadline) {
          // TypeORM marks the transaction active before its BEGIN; a BEGIN that never ran must not leave it so.
          if (begin) (runner as { isTransactionActive: boolean }).isTransactionActive = false;
          throw (busy ? databaseFailure(error) : undefined) ?? error;
        }
        await new Promise((wake) => setTimeout(wake, pause));
      }
    }
  }) as QueryRunner['query'];
}
