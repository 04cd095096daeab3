import 'reflect-metadata';
import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../../src/llm-manager/llm-manager.constants';
import { resolveOptions } from '../../src/llm-manager/llm-manager.options';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { Clock } from '../../src/llm-manager/usage/clock';
import { USAGE_ROW_COLUMNS, USAGE_ROW_KEYS, type UsageRow } from '../../src/llm-manager/usage/usage-row';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { DEFAULT_USAGE_WRITER_OPTIONS, USAGE_WRITER_OPTIONS } from '../../src/llm-manager/usage/usage-writer.options';
import { UsageModule } from '../../src/llm-manager/usage/usage.module';
import { ConfigChanges } from '../../src/llm-manager/common/config-changes';
import { TempStore } from '../support/temp-store';
import { usageRow as sharedUsageRow } from '../support/usage-rows';

const CALL_TIME = new Date('2026-01-02T10:00:00.000Z');
/**
 * TypeORM lets a prepare-time SqliteError through unwrapped, and better-sqlite3's native addon is loaded once per
 * Jest worker, so that error may come from another spec's realm and fail `instanceof Error` (and `toThrow`).
 */
const NO_SUCH_TABLE = { message: expect.stringMatching(/no such table/) };
const PRIVATE_USER = 'user-with-a-private-name';

class ManualClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
}

/** Row number `i`, recognisable in the table by its latency. */
function usageRow(i: number, overrides: Partial<UsageRow> = {}): UsageRow {
  return sharedUsageRow({
    userId: PRIVATE_USER,
    modelId: 1,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    latencyMs: i,
    agentName: 'agent_muse',
    createdAt: new Date(CALL_TIME.getTime() + i),
    ...overrides,
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

type SqliteDriver = 'better-sqlite3' | 'sqlite';

/** A migrated SQLite file on better-sqlite3 (the default) or the sqlite3 package; `timeout` is better-sqlite3's lock wait. */
async function openStore(path: string, timeout?: number, type: SqliteDriver = 'better-sqlite3'): Promise<DataSource> {
  const dataSource = await openDataSource(
    type === 'sqlite' ? { type, database: path } : { type, database: path, ...(timeout === undefined ? {} : { timeout }) },
  );
  await dataSource.runMigrations({ transaction: 'all' });
  return dataSource;
}

/** Latencies of the stored rows in insertion (id) order: which rows arrived, and in which order. */
async function storedLatencies(dataSource: DataSource): Promise<number[]> {
  const rows = (await dataSource.query('SELECT latency_ms FROM usage_log_entries ORDER BY id')) as Array<{ latency_ms: number }>;
  return rows.map((row) => row.latency_ms);
}

function loggedText(...spies: jest.SpyInstance[]): string {
  return spies.flatMap((spy) => spy.mock.calls.map((call: unknown[]) => call.map(String).join(' '))).join('\n');
}

/** Rows per INSERT of a 5000-row batch: 19 columns under each driver's variable limit (UsageSqlDialect). */
/** Rows per INSERT of 5000 rows under a limit of `variables` bound parameters, one per column of each row. */
function split(variables: number): number[] {
  const perInsert = Math.floor(variables / USAGE_ROW_KEYS.length);
  return [...(Array(Math.floor(5000 / perInsert)).fill(perInsert) as number[]), 5000 % perInsert].filter((n) => n > 0);
}

const SPLIT: Record<SqliteDriver, number[]> = {
  // better-sqlite3's 32766 variables.
  'better-sqlite3': split(32766),
  // The sqlite3 package may link a system SQLite whose limit is 999.
  sqlite: split(999),
};

describe.each<SqliteDriver>(['better-sqlite3', 'sqlite'])('UsageWriter on a SQLite file (%s)', (type) => {
  let store: TempStore;
  let dataSource: DataSource;
  let writer: UsageWriter | undefined;
  const clock = new ManualClock(CALL_TIME);

  beforeEach(async () => {
    store = new TempStore();
    dataSource = await openStore(store.dbPath, undefined, type);
  });
  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    // A test that failed halfway must not leave the table away, or the shutdown below would retry in vain.
    const away = (await dataSource.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'usage_log_entries_away'",
    )) as unknown[];
    if (away.length > 0) await dataSource.query('ALTER TABLE usage_log_entries_away RENAME TO usage_log_entries');
    await writer?.beforeApplicationShutdown();
    writer = undefined;
    if (dataSource.isInitialized) await dataSource.destroy();
    store.remove();
  });

  it('writes exactly the rows of 1000 concurrent enqueues, once each and in arrival order, despite concurrent flushes', async () => {
    writer = new UsageWriter(dataSource, clock, { batchSize: 64, flushIntervalMs: 60_000 });
    const live = writer;
    await Promise.all(
      range(0, 1000).map(async (i) => {
        await Promise.resolve();
        live.enqueue(usageRow(i));
        if (i % 97 === 0) await live.flush();
      }),
    );
    await live.flush();

    expect(await storedLatencies(dataSource)).toEqual(range(0, 1000));
    expect(live.pending).toBe(0);
  });

  it('makes a flush wait for the write in progress, so a read after it sees every row, in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const query = dataSource.query.bind(dataSource);
    // Holds the first INSERT in flight, as a slow network database would.
    jest.spyOn(dataSource, 'query').mockImplementationOnce(async (...args: Parameters<DataSource['query']>) => {
      await gate;
      return query(...args);
    });
    writer = new UsageWriter(dataSource, clock, { batchSize: 3, flushIntervalMs: 60_000 });
    range(0, 4).forEach((i) => writer!.enqueue(usageRow(i)));
    expect(writer.pending).toBe(4);

    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);

    release();
    await flushing;
    expect(await storedLatencies(dataSource)).toEqual(range(0, 4));
  });

  it('writes a full batch at once, without waiting for the timer', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    writer = new UsageWriter(dataSource, clock, { batchSize: 5, flushIntervalMs: 1000 });

    range(0, 4).forEach((i) => writer!.enqueue(usageRow(i)));
    await writer.whenIdle();
    expect(await storedLatencies(dataSource)).toEqual([]);

    writer.enqueue(usageRow(4));
    await writer.whenIdle();
    expect(await storedLatencies(dataSource)).toEqual(range(0, 5));
    expect(writer.pending).toBe(0);
  });

  it('writes a short queue flushIntervalMs after it started, on a timer that never keeps the process alive', async () => {
    const timers = jest.spyOn(global, 'setTimeout');
    writer = new UsageWriter(dataSource, clock, { flushIntervalMs: 1000 });
    writer.enqueue(usageRow(0));
    const timer = timers.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    timers.mockRestore();
    // Shutting the first writer down writes its row 0 and cancels its real timer.
    await writer.beforeApplicationShutdown();

    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    writer = new UsageWriter(dataSource, clock, { flushIntervalMs: 1000 });
    writer.enqueue(usageRow(1));
    writer.enqueue(usageRow(2));
    await jest.advanceTimersByTimeAsync(999);
    await writer.whenIdle();
    expect(await storedLatencies(dataSource)).toEqual([0]);

    await jest.advanceTimersByTimeAsync(1);
    await writer.whenIdle();
    expect(await storedLatencies(dataSource)).toEqual([0, 1, 2]);
  });

  it('keeps rows queued in order while the table is gone, retries on its own with backoff, and loses none', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const queries = jest.spyOn(dataSource, 'query');
    const insertAttempts = (): number => queries.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO')).length;
    writer = new UsageWriter(dataSource, clock, { batchSize: 4, flushIntervalMs: 1000, retryBaseMs: 500, retryMaxMs: 4000 });

    range(0, 3).forEach((i) => writer!.enqueue(usageRow(i)));
    await dataSource.query('ALTER TABLE usage_log_entries RENAME TO usage_log_entries_away');
    await jest.advanceTimersByTimeAsync(1000);
    await writer.whenIdle();
    expect(writer.pending).toBe(3);

    // A full batch during an outage waits for the retry instead of hammering the database.
    range(3, 10).forEach((i) => writer!.enqueue(usageRow(i)));
    await expect(writer.flush()).rejects.toMatchObject(NO_SUCH_TABLE);
    expect(insertAttempts()).toBe(2);
    // Retries 1 s, 2 s and 4 s after the second failure, then every 4 s (retryMaxMs): 10 s hold three. The clock
    // stands still while each attempt is in flight (the sqlite3 package answers from its thread pool, later than timers).
    for (const ms of [1000, 2000, 4000, 3000]) {
      await jest.advanceTimersByTimeAsync(ms);
      await writer.whenIdle();
    }
    expect(insertAttempts()).toBe(5);
    expect(writer.pending).toBe(10);
    expect(warn).toHaveBeenCalledTimes(1);

    await dataSource.query('ALTER TABLE usage_log_entries_away RENAME TO usage_log_entries');
    await jest.advanceTimersByTimeAsync(4000);
    await writer.whenIdle();

    expect(await storedLatencies(dataSource)).toEqual(range(0, 10));
    expect(writer.pending).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('written again'));
    expect(error).not.toHaveBeenCalled();
    expect(loggedText(warn, log)).not.toContain(PRIVATE_USER);
  });

  it('drops the oldest rows past maxQueue while the database refuses writes, and counts them in the logs', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    writer = new UsageWriter(dataSource, clock, {
      batchSize: 2,
      maxQueue: 5,
      flushIntervalMs: 60_000,
      retryBaseMs: 60_000,
      retryMaxMs: 60_000,
    });
    await dataSource.query('ALTER TABLE usage_log_entries RENAME TO usage_log_entries_away');

    range(0, 8).forEach((i) => writer!.enqueue(usageRow(i)));
    await expect(writer.flush()).rejects.toMatchObject(NO_SUCH_TABLE);
    expect(writer.pending).toBe(5);
    expect(writer.dropped).toBe(3);
    const logged = loggedText(error);
    expect(logged).toContain('dropping the oldest usage rows');
    expect(logged).toContain('3 usage rows were dropped');
    expect(logged).not.toContain(PRIVATE_USER);

    await dataSource.query('ALTER TABLE usage_log_entries_away RENAME TO usage_log_entries');
    await writer.flush();
    expect(await storedLatencies(dataSource)).toEqual(range(3, 8));
  });

  it('splits a batch beyond the SQLite variable limit into several INSERTs of one transaction', async () => {
    writer = new UsageWriter(dataSource, clock, { batchSize: 5000, flushIntervalMs: 60_000 });
    const queries = jest.spyOn(dataSource, 'query');
    range(0, 5000).forEach((i) => writer!.enqueue(usageRow(i)));
    await writer.flush();

    expect(await storedLatencies(dataSource)).toEqual(range(0, 5000));
    const inserts = queries.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO'));
    expect(inserts.map(([, parameters]) => (parameters as unknown[]).length / USAGE_ROW_KEYS.length)).toEqual(SPLIT[type]);
    // All through one transaction's query runner, so a failure halfway would leave nothing to insert twice.
    const runners = new Set(inserts.map(([, , runner]) => runner));
    expect(runners.size).toBe(1);
    expect([...runners][0]).toBeDefined();
  });

  it('stores what the database would reject in a form it accepts, and enqueue never throws', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    writer = new UsageWriter(dataSource, clock, { flushIntervalMs: 60_000 });
    writer.enqueue(
      usageRow(7, {
        agentName: 'a'.repeat(300),
        promptTokens: Number.NaN,
        completionTokens: -4,
        totalTokens: 1e12,
        cachedPromptTokens: -1,
        estimatedPromptTokens: Number.POSITIVE_INFINITY,
        usageSource: 'guessed' as UsageRow['usageSource'],
        createdAt: new Date('not a date'),
      }),
    );
    expect(() => writer!.enqueue(null as unknown as UsageRow)).not.toThrow();
    await writer.flush();

    const [row] = await dataSource.getRepository(UsageLogEntryEntity).find();
    expect(row).toMatchObject({ promptTokens: 0, completionTokens: 0, totalTokens: 2_147_483_647, createdAt: CALL_TIME });
    expect(row).toMatchObject({ cachedPromptTokens: 0, estimatedPromptTokens: 0, usageSource: 'estimated' });
    expect(row!.agentName).toHaveLength(100);
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('names every column of the entity except id, so no field is silently left out of the INSERT', () => {
    const entityColumns = dataSource
      .getMetadata(UsageLogEntryEntity)
      .columns.map((column) => column.databaseName)
      .filter((name) => name !== 'id');
    expect(Object.values(USAGE_ROW_COLUMNS).sort()).toEqual(entityColumns.sort());
  });
});

describe('UsageWriter in a Nest application', () => {
  let store: TempStore;

  beforeEach(() => {
    store = new TempStore();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    store.remove();
  });

  /** Stands in for LlmManagerModule: lends the DataSource and destroys it in onApplicationShutdown. */
  async function startApp(dataSource: DataSource): Promise<{ close(): Promise<void>; writer: UsageWriter }> {
    @Global()
    @Module({
      providers: [
        { provide: LLM_MGR_DATA_SOURCE_TOKEN, useValue: dataSource },
        // What LlmManagerModule provides globally; the purge schedule is off so only the writer is under test.
        { provide: LLM_MANAGER_RESOLVED_OPTIONS, useValue: resolveOptions({ usagePurgeCron: false, configSyncIntervalMs: 0 }, {}) },
        ConfigChanges,
      ],
      exports: [LLM_MGR_DATA_SOURCE_TOKEN, LLM_MANAGER_RESOLVED_OPTIONS, ConfigChanges],
    })
    class StoreModule implements OnApplicationShutdown {
      constructor(@Inject(LLM_MGR_DATA_SOURCE_TOKEN) private readonly ds: DataSource) {}
      async onApplicationShutdown(): Promise<void> {
        await this.ds.destroy();
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [StoreModule, UsageModule] })
      .overrideProvider(USAGE_WRITER_OPTIONS)
      .useValue({ ...DEFAULT_USAGE_WRITER_OPTIONS, flushIntervalMs: 60_000, retryBaseMs: 1 })
      .compile();
    await moduleRef.init();
    return { close: () => moduleRef.close(), writer: moduleRef.get(UsageWriter) };
  }

  it('app.close() writes every queued row before the DataSource is destroyed', async () => {
    const dataSource = await openStore(store.dbPath);
    const app = await startApp(dataSource);
    range(0, 7).forEach((i) => app.writer.enqueue(usageRow(i)));
    expect(app.writer.pending).toBe(7);

    await app.close();

    expect(dataSource.isInitialized).toBe(false);
    const reopened = await openStore(store.dbPath);
    expect(await storedLatencies(reopened)).toEqual(range(0, 7));
    await reopened.destroy();
  });

  it('retries at shutdown while another connection holds the write lock', async () => {
    const dataSource = await openStore(store.dbPath, 0);
    const app = await startApp(dataSource);
    const other = new Database(store.dbPath);
    other.exec('BEGIN IMMEDIATE');
    // The first failure's warning is the moment to let go of the lock: the retry then finds the database free.
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => other.exec('COMMIT'));
    range(0, 3).forEach((i) => app.writer.enqueue(usageRow(i)));

    await app.close();
    other.close();

    // `timeout: 0`: no wait for the lock, so the first attempt fails at once, as DATABASE_BUSY.
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('DATABASE_BUSY'));
    const reopened = await openStore(store.dbPath);
    expect(await storedLatencies(reopened)).toEqual(range(0, 3));
    await reopened.destroy();
  });
});
