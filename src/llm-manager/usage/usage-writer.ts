import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { Clock } from './clock';
import { UsageJournal } from './usage-journal';
import { normaliseUsageRow, USAGE_ROW_COLUMNS, USAGE_ROW_KEYS, type UsageRow } from './usage-row';
import { UsageRowQueue, type QueuedUsageRow } from './usage-row-queue';
import { UsageSqlDialect } from './usage-sql-dialect';
import { resolveUsageWriterOptions, USAGE_WRITER_OPTIONS, type UsageWriterOptions } from './usage-writer.options';
import { TransactionTurns } from '../database/transaction-turns';

/** Flush attempts `beforeApplicationShutdown` makes before it gives the remaining rows up. */
const SHUTDOWN_ATTEMPTS = 5;

/**
 * Records usage rows off the LLM call path. `enqueue` only appends to memory; rows reach `usage_log_entries` in
 * multi-row INSERTs, one batch at a time and in order, when `batchSize` rows are waiting or `flushIntervalMs` after
 * the first one. A failed write keeps its rows at the front of the queue and is retried with exponential backoff;
 * the LLM call that enqueued them never sees it. While the database stays down the queue is capped at `maxQueue`:
 * the oldest rows are dropped and every drop is counted in an error log.
 */
@Injectable()
export class UsageWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(UsageWriter.name);
  private readonly options: UsageWriterOptions;
  private readonly dialect: UsageSqlDialect;
  private readonly table: string;
  private readonly turns: TransactionTurns;
  private readonly columnList: string;
  private readonly queue = new UsageRowQueue();
  private nextSeq = 0;
  private inFlight = 0;
  /** Tail of the chain that serialises writes, so two flushes never insert the same rows. */
  private writing: Promise<void> = Promise.resolve();
  private backgroundRunning = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failureStreak = 0;
  private droppedTotal = 0;
  private droppedReported = 0;
  private closing = false;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Optional() @Inject(USAGE_WRITER_OPTIONS) options: Partial<UsageWriterOptions> = {},
    @Optional() @Inject(UsageJournal) private readonly journal: UsageJournal | null = null,
  ) {
    this.options = resolveUsageWriterOptions(options);
    this.dialect = UsageSqlDialect.of(dataSource);
    this.table = UsageSqlDialect.usageTable(dataSource);
    this.turns = TransactionTurns.of(dataSource);
    this.columnList = USAGE_ROW_KEYS.map((key) => dataSource.driver.escape(USAGE_ROW_COLUMNS[key])).join(', ');
  }

  /** Rows accepted but not yet written, including the batch being written now. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Rows dropped since start because the queue hit `maxQueue`. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Queues one row. Synchronous, O(1), never throws and never waits for the database. */
  enqueue(row: UsageRow): void {
    try {
      this.queue.push({ seq: this.nextSeq++, row: normaliseUsageRow(row, this.clock) });
      if (this.pending > this.options.maxQueue) this.dropOldest();
      if (!this.closing && this.failureStreak === 0) this.scheduleNext();
    } catch (error) {
      // Bookkeeping must never fail the LLM call that is being recorded.
      this.logger.error(`A usage row could not be queued. ${describeError(error)}`);
    }
  }

  /**
   * Writes every row queued before this call, after any write already in progress. Rejects with the database
   * error when a write fails; the rows stay queued and are retried in the background.
   */
  async flush(): Promise<void> {
    const upTo = this.nextSeq;
    try {
      await this.serialised(() => this.writeQueued(upTo));
    } finally {
      this.scheduleNext();
    }
  }

  /** Resolves once the write in progress, if any, has settled. Starts none. */
  whenIdle(): Promise<void> {
    return this.writing;
  }

  /** Nest's hook; `UsageLedger.close()` runs the same steps first when the builder is loaded. */
  beforeApplicationShutdown(): Promise<void> {
    return this.flushForShutdown();
  }

  /**
   * Writes everything still queued before the module closes the DataSource in `onApplicationShutdown`, retrying a
   * few times; never rejects, so the rest of the shutdown (closing the connection, exiting) always happens. From
   * here on no timer writes: a row queued later is written only by an explicit `flush()`. Rows the database still
   * refuses stay in the usage journal when there is one, for the next start.
   */
  async flushForShutdown(): Promise<void> {
    this.closing = true;
    this.clearTimer();
    let lastError: unknown;
    for (let attempt = 1; ; attempt += 1) {
      lastError = undefined;
      try {
        await this.flush();
      } catch (error) {
        lastError = error;
      }
      if (this.pending === 0) return;
      if (attempt === SHUTDOWN_ATTEMPTS) {
        const fate = this.journal?.keepsUnwrittenRows ?? 'are lost (the usage journal is off)';
        this.logger.error(`${this.pending} usage rows could not be written before shutdown and ${fate}. ${describeError(lastError)}`);
        return;
      }
      // A plain timer on purpose: an unref()ed one would let the process exit in the middle of shutdown.
      if (lastError !== undefined) await new Promise((resolve) => setTimeout(resolve, this.backoffMs(attempt)));
    }
  }

  private serialised(task: () => Promise<void>): Promise<void> {
    const run = this.writing.then(task);
    // The chain only orders writes; the failure itself reaches whoever awaits `run`.
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeQueued(upTo: number): Promise<void> {
    let wrote = false;
    try {
      for (let head = this.queue.peek(); head !== undefined && head.seq < upTo; head = this.queue.peek()) {
        await this.writeBatch(this.queue.takeOldest(this.options.batchSize));
        wrote = true;
      }
    } catch (error) {
      this.recordFailure(error);
      throw error;
    }
    if (wrote) this.recordSuccess();
  }

  private async writeBatch(batch: QueuedUsageRow[]): Promise<void> {
    this.inFlight = batch.length;
    try {
      const rows = batch.map((entry) => entry.row);
      await this.insert(rows);
      this.journal?.release(rows);
    } catch (error) {
      this.queue.returnToFront(batch);
      throw error;
    } finally {
      this.inFlight = 0;
    }
  }

  /** On SQLite in turn with the call path's transactions (TransactionTurns): a refusal's ROLLBACK never undoes rows. */
  private insert(rows: readonly UsageRow[]): Promise<void> {
    return this.turns.run(() => this.insertNow(rows));
  }

  private async insertNow(rows: readonly UsageRow[]): Promise<void> {
    const perStatement = Math.max(1, Math.floor(this.dialect.maxParameters / USAGE_ROW_KEYS.length));
    if (rows.length <= perStatement) {
      const [sql, parameters] = this.insertStatement(rows);
      await this.dataSource.query(sql, parameters);
      return;
    }
    // One transaction, so a failure halfway leaves no rows behind that the retry would insert twice.
    await this.dataSource.transaction(async (manager) => {
      for (let start = 0; start < rows.length; start += perStatement) {
        const [sql, parameters] = this.insertStatement(rows.slice(start, start + perStatement));
        await manager.query(sql, parameters);
      }
    });
  }

  private insertStatement(rows: readonly UsageRow[]): [string, unknown[]] {
    const parameters: unknown[] = [];
    const tuples = rows.map((row) => {
      const marks = USAGE_ROW_KEYS.map((key) => {
        parameters.push(this.toColumnValue(row, key));
        return this.dialect.placeholder(parameters.length);
      });
      return `(${marks.join(', ')})`;
    });
    // A call already written (a replayed journal, a retried batch whose commit was not acknowledged) is skipped.
    return [this.dialect.insertOnce(`INSERT INTO ${this.table} (${this.columnList}) VALUES ${tuples.join(', ')}`, 'call_id'), parameters];
  }

  private toColumnValue(row: UsageRow, key: keyof UsageRow): unknown {
    if (key === 'success') return row.success ? 1 : 0;
    if (key === 'createdAt') return this.dialect.dateTime(row.createdAt);
    return row[key];
  }

  /** Starts the next write when one is due: at once for a full batch, after a delay otherwise. */
  private scheduleNext(): void {
    if (this.closing || this.backgroundRunning || this.queue.length === 0) return;
    if (this.failureStreak > 0) {
      this.clearTimer();
      this.armTimer(this.backoffMs(this.failureStreak));
    } else if (this.queue.length >= this.options.batchSize) {
      this.startBackgroundWrite();
    } else {
      this.armTimer(this.options.flushIntervalMs);
    }
  }

  private startBackgroundWrite(): void {
    if (this.backgroundRunning) return;
    this.clearTimer();
    this.backgroundRunning = true;
    const upTo = this.nextSeq;
    this.serialised(() => this.writeQueued(upTo))
      // Already counted and logged by writeQueued; the retry is scheduled below.
      .catch(() => undefined)
      .finally(() => {
        this.backgroundRunning = false;
        this.scheduleNext();
      });
  }

  private armTimer(delayMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.startBackgroundWrite();
    }, delayMs);
    // Usage bookkeeping must never keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  private backoffMs(failures: number): number {
    return Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.max(0, failures - 1));
  }

  private dropOldest(): void {
    this.queue.dropOldest();
    this.droppedTotal += 1;
    if (this.droppedTotal === this.droppedReported + 1) {
      this.logger.error(
        `Usage queue is full (maxQueue=${this.options.maxQueue}) because the database refuses writes: ` +
          'dropping the oldest usage rows. Their number is reported with every write attempt.',
      );
    }
  }

  private recordFailure(error: unknown): void {
    this.failureStreak += 1;
    if (this.failureStreak === 1) {
      this.logger.warn(
        `Writing usage rows failed; ${this.pending} rows stay queued and are retried with backoff ` +
          `(at most ${this.options.retryMaxMs} ms apart). ${describeError(error)}`,
      );
    }
    this.reportDrops();
  }

  private recordSuccess(): void {
    if (this.failureStreak > 0) {
      this.logger.log(`Usage rows are written again after ${this.failureStreak} failed attempts.`);
      this.failureStreak = 0;
    }
    this.reportDrops();
  }

  private reportDrops(): void {
    if (this.droppedTotal === this.droppedReported) return;
    this.logger.error(
      `${this.droppedTotal - this.droppedReported} usage rows were dropped (${this.droppedTotal} since start): ` +
        `the queue reached maxQueue=${this.options.maxQueue} while the database refused writes.`,
    );
    this.droppedReported = this.droppedTotal;
  }
}

/** Error name, driver code and message only: never the statement or its parameters (row contents). */
function describeError(error: unknown): string {
  // Duck-typed: errors raised by native drivers may come from another realm and fail `instanceof Error`.
  if (typeof error !== 'object' || error === null) return `Non-error value thrown (${typeof error}).`;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  const text = `${String(name ?? 'Error')}${typeof code === 'string' ? ` [${code}]` : ''}: ${String(message)}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
