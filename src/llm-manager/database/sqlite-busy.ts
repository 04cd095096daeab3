import type { DataSource, QueryRunner } from 'typeorm';
import { databaseFailure } from './database-failure';

/**
 * How long one SQLite statement waits *synchronously* for another process's write lock. better-sqlite3 waits on the
 * event loop's thread, so this is kept short; the longer wait is the asynchronous retry below.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 20;

const BEGIN = /^BEGIN( DEFERRED)? TRANSACTION$/i;

type Query = (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;

/**
 * SQLite file shared by processes (two servers, a server and the CLI): a statement that meets another process's write
 * lock is tried again after a pause that grows to 100 ms, while the event loop serves other requests, and fails with
 * `DATABASE_BUSY` (HTTP 503 + Retry-After) only after `retryMs`. Transactions begin IMMEDIATE: the write lock is taken
 * at BEGIN, where waiting is safe, instead of at the first write inside, where SQLite can only give up. Only
 * statements that did nothing are retried: one outside a transaction, or the BEGIN itself.
 *
 * TypeORM's SQLite drivers share one connection (one QueryRunner) per DataSource, and mark a transaction active before
 * its BEGIN has run. While that BEGIN waits here, other work of this process would slip in as if inside the
 * transaction, or send a second BEGIN: so outermost transactions take turns, and other statements wait for a BEGIN
 * in flight to finish.
 */
export function retryBusyStatements(dataSource: DataSource, retryMs: number): void {
  const driver = dataSource.driver;
  const create = driver.createQueryRunner.bind(driver);
  const patched = new WeakSet<QueryRunner>();
  driver.createQueryRunner = (mode) => {
    const runner = create(mode);
    if (!patched.has(runner)) {
      patched.add(runner);
      new BusyRetry(runner, retryMs).install();
    }
    return runner;
  };
}

class BusyRetry {
  /** The outermost transaction of this connection, from before its BEGIN until it ends; the next one waits for it. */
  private turn: Promise<void> = Promise.resolve();
  private endTurn: (() => void) | undefined;
  private beginInFlight: Promise<unknown> | undefined;

  constructor(
    private readonly runner: QueryRunner,
    private readonly retryMs: number,
  ) {}

  install(): void {
    const runner = this.runner;
    const query = runner.query.bind(runner) as Query;
    const start = runner.startTransaction.bind(runner);
    const commit = runner.commitTransaction.bind(runner);
    const rollback = runner.rollbackTransaction.bind(runner);
    runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) => this.query(query, sql, parameters, structured)) as QueryRunner['query'];
    runner.startTransaction = async (level) => {
      if (this.depth() > 0) return start(level);
      await this.takeTurn();
      try {
        await start(level);
      } catch (error) {
        this.giveTurn();
        throw error;
      }
    };
    runner.commitTransaction = () => this.ending(commit);
    runner.rollbackTransaction = () => this.ending(rollback);
  }

  private depth(): number {
    return (this.runner as unknown as { transactionDepth: number }).transactionDepth;
  }

  private async takeTurn(): Promise<void> {
    const previous = this.turn;
    let end!: () => void;
    this.turn = new Promise<void>((resolve) => (end = resolve));
    await previous;
    this.endTurn = end;
  }

  private giveTurn(): void {
    const end = this.endTurn;
    this.endTurn = undefined;
    end?.();
  }

  private async ending(finish: () => Promise<void>): Promise<void> {
    try {
      await finish();
    } finally {
      if (this.depth() === 0) this.giveTurn();
    }
  }

  private async query(query: Query, sql: string, parameters?: unknown[], structured?: boolean): Promise<unknown> {
    if (BEGIN.test(sql)) {
      const begin = this.retried(query, 'BEGIN IMMEDIATE TRANSACTION', parameters, structured, true);
      this.beginInFlight = begin.catch(() => undefined);
      try {
        return await begin;
      } finally {
        this.beginInFlight = undefined;
      }
    }
    while (this.beginInFlight) await this.beginInFlight;
    return this.retried(query, sql, parameters, structured, false);
  }

  private async retried(query: Query, sql: string, parameters: unknown[] | undefined, structured: boolean | undefined, begin: boolean): Promise<unknown> {
    const deadline = Date.now() + this.retryMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      try {
        return await query(sql, parameters, structured);
      } catch (error) {
        const busy = databaseFailure(error)?.code === 'DATABASE_BUSY';
        if (!busy || (!begin && this.runner.isTransactionActive) || Date.now() + pause > deadline) {
          // TypeORM marks the transaction active before its BEGIN; a BEGIN that never ran must not leave it so.
          if (begin) (this.runner as { isTransactionActive: boolean }).isTransactionActive = false;
          throw (busy ? databaseFailure(error) : undefined) ?? error;
        }
        await new Promise((wake) => setTimeout(wake, pause));
      }
    }
  }
}
