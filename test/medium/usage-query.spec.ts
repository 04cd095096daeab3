import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { runInThisContext } from 'vm';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { ModelEntity } from '../../src/llm-manager/database/model.entity';
import { PlatformEntity } from '../../src/llm-manager/database/platform.entity';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { Clock } from '../../src/llm-manager/usage/clock';
import {
  PURGE_CHUNK_ROWS,
  PURGE_FIRST_CHUNK_ROWS,
  UsageQueryService,
} from '../../src/llm-manager/usage/usage-query.service';
import type { UsageRow } from '../../src/llm-manager/usage/usage-row';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { QueryRecorder } from '../support/query-recorder';
import { TempStore } from '../support/temp-store';
import { NO_TOKEN_DETAILS, usageRow } from '../support/usage-rows';
import { createTestDatabase, type TestDatabase } from '../support/test-engine';

const HOUR = 3_600_000;
/** 2026-01-02T00:00:00Z, the day the known rows fall on. */
const T = Date.UTC(2026, 0, 2);
const at = (ms: number): Date => new Date(T + ms);

class ManualClock extends Clock {
  current = at(27 * HOUR);
  now(): Date {
    return new Date(this.current);
  }
}

/** One database server (or file) for one run of the suite, in a schema or database of its own. */
interface Engine {
  name: string;
  open(): Promise<DataSource>;
  drop(): Promise<void>;
  /** SQL showing the stored wall-clock time of `u.createdAt` as `YYYY-MM-DD HH MM SS` (no `:`, TypeORM's parameter mark). */
  wallTime: string;
}

/** A SQLite file on better-sqlite3 (TypeORM's `better-sqlite3`) or on the sqlite3 package (`sqlite`). */
function sqliteEngine(recorder: QueryRecorder, type: 'better-sqlite3' | 'sqlite', name: string): Engine {
  let store: TempStore | undefined;
  return {
    name,
    wallTime: "strftime('%Y-%m-%d %H %M %S', u.createdAt)",
    open: async () => {
      store = new TempStore();
      return openDataSource({ type, database: store.dbPath, logging: ['query'], logger: recorder });
    },
    drop: async () => store?.remove(),
  };
}

/** PostgreSQL or MariaDB, in a schema or database of its own (test/support/test-engine.ts). */
function serverEngine(engine: 'postgres' | 'mariadb', name: string, wallTime: string): Engine {
  let database: TestDatabase | undefined;
  return {
    name,
    wallTime,
    open: () => {
      database = createTestDatabase(engine, '');
      return openDataSource(database.options);
    },
    drop: async () => database?.drop(),
  };
}

function tokens(prompt: number, completion: number): Pick<UsageRow, 'promptTokens' | 'completionTokens' | 'totalTokens'> {
  return { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
}

const recorder = new QueryRecorder();
const engines: Engine[] = [
  sqliteEngine(recorder, 'better-sqlite3', 'SQLite'),
  sqliteEngine(recorder, 'sqlite', 'SQLite (sqlite3 package)'),
  serverEngine('postgres', 'PostgreSQL', "to_char(u.createdAt, 'YYYY-MM-DD HH24 MI SS')"),
  serverEngine('mariadb', 'MariaDB', "DATE_FORMAT(u.createdAt, '%Y-%m-%d %H %i %s')"),
];
const none = NO_TOKEN_DETAILS;
const zero = { tokens: 0, prompt_tokens: 0, completion_tokens: 0, requests: 0, errors: 0, ...none };

// A zone far from UTC, so any local-time conversion on the way to or from the database shows up as a wrong day.
// Jest gives each spec a copy of process.env; the time zone is read from the real process's environment.
const realEnv = (runInThisContext('process') as NodeJS.Process).env;
const savedTz = realEnv.TZ;
beforeAll(() => {
  realEnv.TZ = 'Asia/Shanghai';
});
afterAll(() => {
  if (savedTz === undefined) delete realEnv.TZ;
  else realEnv.TZ = savedTz;
});

describe.each(engines)('usage queries on $name', (engine) => {
  const clock = new ManualClock();
  let dataSource: DataSource;
  let writer: UsageWriter;
  let usage: UsageQueryService;
  let v3: number;
  let r1: number;

  beforeAll(async () => {
    dataSource = await engine.open();
    await dataSource.runMigrations({ transaction: 'all' });
    const platform = await dataSource
      .getRepository(PlatformEntity)
      .save({ ownerId: '-1', name: 'DeepSeek', baseUrl: 'https://api.deepseek.com/v1', apiKeyEnc: null, apiKeyEnv: null });
    const models = dataSource.getRepository(ModelEntity);
    const base = { platformId: platform.id, extraBody: null, inputPrice: null, outputPrice: null };
    v3 = (await models.save({ ...base, displayName: 'DeepSeek-V3', modelName: 'deepseek-chat' })).id;
    r1 = (await models.save({ ...base, displayName: 'DeepSeek-R1', modelName: 'deepseek-reasoner' })).id;

    writer = new UsageWriter(dataSource, clock, { batchSize: 5000, flushIntervalMs: 60_000 });
    usage = new UsageQueryService(dataSource, writer, clock);
    const u1 = { userId: 'u1' };
    writer.enqueue(usageRow({ ...u1, modelId: v3, agentName: 'muse', ...tokens(10, 5), createdAt: at(1 * HOUR), latencyMs: 1 }));
    writer.enqueue(
      usageRow({ ...u1, modelId: v3, agentName: 'muse', ...tokens(20, 10), success: false, outcome: 'error', createdAt: at(2.5 * HOUR) }),
    );
    // 2026-01-02T23:30Z: 07:30 on the 3rd in Shanghai, where this process believes it is.
    writer.enqueue(usageRow({ ...u1, modelId: r1, agentName: 'critic', ...tokens(100, 50), createdAt: at(23.5 * HOUR), latencyMs: 3 }));
    writer.enqueue(usageRow({ ...u1, modelId: 9999, ...tokens(1, 1), createdAt: at(26 * HOUR) }));
    writer.enqueue(usageRow({ ...u1, modelId: v3, agentName: 'muse', ...tokens(7, 0), createdAt: new Date('2025-12-01T00:00:00Z') }));
    writer.enqueue(usageRow({ userId: 'u2', modelId: v3, agentName: 'muse', ...tokens(1000, 1000), createdAt: at(1 * HOUR) }));
  });

  afterAll(async () => {
    await writer?.beforeApplicationShutdown();
    try {
      await engine.drop();
    } finally {
      if (dataSource?.isInitialized) await dataSource.destroy();
    }
  });

  it('stores UTC wall time and puts a 23:30Z call in the UTC day and hour, whatever the process time zone', async () => {
    expect(new Date(at(23.5 * HOUR)).getHours()).toBe(7);
    await writer.flush();
    const stored = await dataSource
      .createQueryBuilder(UsageLogEntryEntity, 'u')
      .select(engine.wallTime, 'wall')
      .where('u.latencyMs = :latency', { latency: 3 })
      .getRawOne<{ wall: string }>();
    expect(stored?.wall).toBe('2026-01-02 23 30 00');

    const day = await usage.timeline('u1', { granularity: 'day', since: at(0), until: at(24 * HOUR) });
    expect(day).toEqual([{ time: '2026-01-02', tokens: 195, requests: 3, errors: 1, ...none }]);
    const hour = await usage.timeline('u1', { granularity: 'hour', since: at(23 * HOUR), until: at(24 * HOUR) });
    expect(hour).toEqual([{ time: '2026-01-02 23:00', tokens: 150, requests: 1, errors: 0, ...none }]);
  });

  it('sums a user\'s rows as plain numbers, with errors and half-open since/until bounds', async () => {
    expect(await usage.summary({ userId: 'u1' })).toEqual({
      tokens: 204,
      prompt_tokens: 138,
      completion_tokens: 66,
      requests: 5,
      errors: 1,
      ...none,
    });
    // since is inclusive (the 01:00 row counts), until exclusive (the 23:30 row does not).
    expect(await usage.summary({ userId: 'u1', since: at(1 * HOUR), until: at(23.5 * HOUR) })).toEqual({
      tokens: 45,
      prompt_tokens: 30,
      completion_tokens: 15,
      requests: 2,
      errors: 1,
      ...none,
    });
    expect(await usage.summary({ userId: 'u1', since: at(23.5 * HOUR) })).toMatchObject({ tokens: 152, requests: 2 });
    expect(await usage.summary({ userId: 'u1', modelId: v3 })).toMatchObject({ tokens: 52, requests: 3, errors: 1, ...none });
    expect(await usage.summary({ userId: 'u1', agentName: 'critic' })).toMatchObject({ tokens: 150, requests: 1 });
    expect(await usage.summary({ since: at(0) })).toMatchObject({ tokens: 2197, requests: 5 });
    expect(await usage.summary({ userId: 'nobody' })).toEqual(zero);
  });

  it('groups a user\'s usage by model (deleted model: null name) and by agent, most tokens first', async () => {
    expect(await usage.byModel('u1', { since: at(0) })).toEqual([
      { model_id: r1, model_name: 'DeepSeek-R1', platform_name: 'DeepSeek', model_deleted: false, tokens: 150, prompt_tokens: 100, completion_tokens: 50, requests: 1, errors: 0, ...none },
      { model_id: v3, model_name: 'DeepSeek-V3', platform_name: 'DeepSeek', model_deleted: false, tokens: 45, prompt_tokens: 30, completion_tokens: 15, requests: 2, errors: 1, ...none },
      { model_id: 9999, model_name: null, platform_name: null, model_deleted: true, tokens: 2, prompt_tokens: 1, completion_tokens: 1, requests: 1, errors: 0, ...none },
    ]);
    expect(await usage.byModel('u1', { since: at(0), until: at(2 * HOUR) })).toEqual([
      expect.objectContaining({ model_id: v3, tokens: 15, requests: 1 }),
    ]);
    expect(await usage.byAgent('u1', { since: at(0) })).toEqual([
      { agent_name: 'critic', tokens: 150, prompt_tokens: 100, completion_tokens: 50, requests: 1, errors: 0, ...none },
      { agent_name: 'muse', tokens: 45, prompt_tokens: 30, completion_tokens: 15, requests: 2, errors: 1, ...none },
      { agent_name: null, tokens: 2, prompt_tokens: 1, completion_tokens: 1, requests: 1, errors: 0, ...none },
    ]);
    expect(await usage.byAgent('nobody')).toEqual([]);
  });

  it('totals every user for admins', async () => {
    expect(await usage.userTotals({ since: at(0) })).toEqual([
      { user_id: 'u2', tokens: 2000, prompt_tokens: 1000, completion_tokens: 1000, requests: 1, errors: 0, ...none },
      { user_id: 'u1', tokens: 197, prompt_tokens: 131, completion_tokens: 66, requests: 4, errors: 1, ...none },
    ]);
  });

  it('draws a timeline per UTC day and hour with empty buckets as zeros, up to now by default', async () => {
    expect(await usage.timeline('u1', { granularity: 'day', since: at(0), until: at(72 * HOUR) })).toEqual([
      { time: '2026-01-02', tokens: 195, requests: 3, errors: 1, ...none },
      { time: '2026-01-03', tokens: 2, requests: 1, errors: 0, ...none },
      { time: '2026-01-04', tokens: 0, requests: 0, errors: 0, ...none },
    ]);
    // The clock says 2026-01-03T03:00Z; the first bucket is the hour holding since.
    expect(await usage.timeline('u1', { granularity: 'hour', since: at(22.5 * HOUR) })).toEqual([
      { time: '2026-01-02 22:00', tokens: 0, requests: 0, errors: 0, ...none },
      { time: '2026-01-02 23:00', tokens: 150, requests: 1, errors: 0, ...none },
      { time: '2026-01-03 00:00', tokens: 0, requests: 0, errors: 0, ...none },
      { time: '2026-01-03 01:00', tokens: 0, requests: 0, errors: 0, ...none },
      { time: '2026-01-03 02:00', tokens: 2, requests: 1, errors: 0, ...none },
    ]);
    await expect(usage.timeline('u1', { granularity: 'hour', since: new Date('2020-01-01T00:00:00Z') })).rejects.toThrow(
      LlmManagerError,
    );
  });

  it('turns 1000 concurrent enqueues into exactly 1000 rows', async () => {
    const burst = Array.from({ length: 1000 }, (_, i) =>
      Promise.resolve().then(() =>
        writer.enqueue(usageRow({ userId: 'burst', ...tokens(1, 0), latencyMs: i, createdAt: new Date(Date.UTC(2024, 0, 1) + i) })),
      ),
    );
    await Promise.all(burst);
    expect(await usage.summary({ userId: 'burst' })).toMatchObject({ tokens: 1000, requests: 1000 });
    const latencies = await dataSource
      .createQueryBuilder(UsageLogEntryEntity, 'u')
      .select('COUNT(DISTINCT u.latencyMs)', 'distinct')
      .where('u.userId = :userId', { userId: 'burst' })
      .getRawOne<{ distinct: unknown }>();
    expect(Number(latencies?.distinct)).toBe(1000);
  });

  it('purges rows older than a date and reports how many went', async () => {
    expect(await usage.purge(at(0))).toBe(1001);
    expect(await usage.summary({})).toMatchObject({ tokens: 2197, requests: 5 });
    expect(await usage.purge(at(0))).toBe(0);
  });

  it('purges more rows than one chunk in several statements', async () => {
    const old = Date.UTC(2025, 5, 1);
    for (let i = 0; i < 12_001; i += 1) writer.enqueue(usageRow({ userId: 'bulk', createdAt: new Date(old + i * 1000) }));
    await writer.flush();
    recorder.queries.length = 0;

    expect(await usage.purge(at(0))).toBe(12_001);

    expect(await usage.summary({})).toMatchObject({ tokens: 2197, requests: 5 });
    if (engine.name.startsWith('SQLite')) {
      // Several statements, the first of PURGE_FIRST_CHUNK_ROWS, none above PURGE_CHUNK_ROWS (later sizes follow timing).
      const limits = recorder.queries
        .filter((q) => q.sql.startsWith('DELETE'))
        .map((q) => Number(/LIMIT (\d+)/.exec(q.sql)?.[1]));
      expect(limits.length).toBeGreaterThan(1);
      expect(limits[0]).toBe(PURGE_FIRST_CHUNK_ROWS);
      for (const limit of limits) expect(limit).toBeLessThanOrEqual(PURGE_CHUNK_ROWS);
    }
  });

  it('shows cached and reasoning tokens and the estimate drift per model, over the rows that hold both counts', async () => {
    const both = (estimated: [number, number], reported: [number, number], cached: number, reasoning: number): Partial<UsageRow> => ({
      ...tokens(...estimated),
      usageSource: 'both',
      estimatedPromptTokens: estimated[0],
      estimatedCompletionTokens: estimated[1],
      reportedPromptTokens: reported[0],
      reportedCompletionTokens: reported[1],
      cachedPromptTokens: cached,
      reasoningTokens: reasoning,
    });
    const u3 = { userId: 'u3', createdAt: at(5 * HOUR) };
    writer.enqueue(usageRow({ ...u3, modelId: v3, ...both([110, 40], [100, 50], 60, 0) }));
    writer.enqueue(usageRow({ ...u3, modelId: v3, ...both([220, 80], [200, 100], 0, 0) }));
    writer.enqueue(usageRow({ ...u3, modelId: r1, ...both([90, 300], [100, 300], 80, 120) }));
    // An estimate alone (the provider sent no usage) and a report alone (an old row) count in no drift.
    writer.enqueue(usageRow({ ...u3, modelId: r1, ...tokens(500, 500), estimatedPromptTokens: 500, estimatedCompletionTokens: 500 }));
    writer.enqueue(usageRow({ ...u3, modelId: r1, ...tokens(7, 7), usageSource: 'reported', reportedPromptTokens: 7, reportedCompletionTokens: 7 }));

    const byModel = await usage.byModel('u3');
    expect(byModel.find((m) => m.model_id === v3)).toMatchObject({
      cached_prompt_tokens: 60,
      reasoning_tokens: 0,
      estimate_drift: {
        rows: 2,
        estimated_prompt_tokens: 330,
        reported_prompt_tokens: 300,
        estimated_completion_tokens: 120,
        reported_completion_tokens: 150,
        prompt_drift_pct: 10,
        completion_drift_pct: -20,
      },
    });
    expect(byModel.find((m) => m.model_id === r1)).toMatchObject({
      cached_prompt_tokens: 80,
      reasoning_tokens: 120,
      estimate_drift: { rows: 1, prompt_drift_pct: -10, completion_drift_pct: 0 },
    });
    const summary = await usage.summary({ userId: 'u3' });
    expect(summary).toMatchObject({ requests: 5, cached_prompt_tokens: 140, reasoning_tokens: 120 });
    expect(summary.estimate_drift).toMatchObject({ rows: 3, estimated_prompt_tokens: 420, reported_prompt_tokens: 400, prompt_drift_pct: 5 });
    expect(await usage.byAgent('u3')).toEqual([expect.objectContaining({ agent_name: null, estimate_drift: summary.estimate_drift })]);
    expect((await usage.userTotals({ since: at(4 * HOUR) })).find((u) => u.user_id === 'u3')).toMatchObject({ cached_prompt_tokens: 140 });
    const [point] = await usage.timeline('u3', { granularity: 'day', since: at(0), until: at(24 * HOUR) });
    expect(point).toMatchObject({ requests: 5, cached_prompt_tokens: 140, reasoning_tokens: 120, estimate_drift: summary.estimate_drift });
  });

  it('sums the stored cost (USD) and counts unpriced calls in every statistic: totals, by model, by agent, users, timeline', async () => {
    const u4 = { userId: 'u4' };
    // Costs as the ledger stored them, in micro-USD; NULL = the model had no price when the call was recorded.
    writer.enqueue(usageRow({ ...u4, modelId: v3, agentName: 'muse', ...tokens(1000, 500), costMicroUsd: 490, createdAt: at(1 * HOUR) }));
    writer.enqueue(usageRow({ ...u4, modelId: v3, agentName: 'critic', ...tokens(2000, 0), costMicroUsd: 2_000_000_001, createdAt: at(2 * HOUR) }));
    writer.enqueue(usageRow({ ...u4, modelId: r1, agentName: 'muse', ...tokens(10, 10), costMicroUsd: null, createdAt: at(25 * HOUR) }));
    writer.enqueue(usageRow({ ...u4, modelId: r1, agentName: 'muse', ...tokens(10, 10), costMicroUsd: null, createdAt: at(26 * HOUR) }));

    // Two calls past 2^31 micro-USD between them: the column and its sum are 64-bit on every engine.
    expect(await usage.summary({ userId: 'u4' })).toMatchObject({ requests: 4, cost: 2000.000491, unpriced_calls: 2 });
    const byModel = await usage.byModel('u4');
    expect(byModel.find((m) => m.model_id === v3)).toMatchObject({ cost: 2000.000491, unpriced_calls: 0 });
    expect(byModel.find((m) => m.model_id === r1)).toMatchObject({ cost: 0, unpriced_calls: 2 });
    const byAgent = await usage.byAgent('u4');
    expect(byAgent.find((a) => a.agent_name === 'muse')).toMatchObject({ cost: 0.00049, unpriced_calls: 2 });
    expect(byAgent.find((a) => a.agent_name === 'critic')).toMatchObject({ cost: 2000.000001, unpriced_calls: 0 });
    expect((await usage.userTotals()).find((u) => u.user_id === 'u4')).toMatchObject({ cost: 2000.000491, unpriced_calls: 2 });
    const days = await usage.timeline('u4', { granularity: 'day', since: at(0), until: at(48 * HOUR) });
    expect(days.map((d) => [d.time, d.cost, d.unpriced_calls])).toEqual([
      ['2026-01-02', 2000.000491, 0],
      ['2026-01-03', 0, 2],
    ]);
  });
});

describe('usage queries on SQLite: query plans', () => {
  const clock = new ManualClock();
  const store = new TempStore();
  const plans = new QueryRecorder();
  let dataSource: DataSource;
  let writer: UsageWriter;

  beforeAll(async () => {
    dataSource = await openDataSource({ type: 'better-sqlite3', database: store.dbPath, logging: ['query'], logger: plans });
    await dataSource.runMigrations({ transaction: 'all' });
    writer = new UsageWriter(dataSource, clock, { flushIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await writer.beforeApplicationShutdown();
    await dataSource.destroy();
    store.remove();
  });

  it('picks each purge chunk from the created_at index, oldest first, without sorting the whole range', async () => {
    const usage = new UsageQueryService(dataSource, writer, clock);
    plans.queries.length = 0;
    await usage.purge(at(0));
    const deletes = plans.queries.filter((q) => q.sql.startsWith('DELETE'));
    expect(deletes.length).toBeGreaterThan(0);
    for (const { sql, parameters } of deletes) {
      const plan = (await dataSource.query(`EXPLAIN QUERY PLAN ${sql}`, parameters)) as Array<{ detail: string }>;
      const steps = plan.map((step) => step.detail).join('\n');
      expect(steps).toMatch(/USING COVERING INDEX IDX_usage_log_entries_created_id \(created_at<\?\)/);
      expect(steps).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('answers every range query on one user from the covering (user_id, created_at, …) index alone', async () => {
    const usage = new UsageQueryService(dataSource, writer, clock);
    plans.queries.length = 0;
    await usage.summary({ userId: 'u1', since: at(0), until: at(HOUR) });
    await usage.byModel('u1', { since: at(0) });
    await usage.byAgent('u1', { since: at(0) });
    await usage.timeline('u1', { granularity: 'hour', since: at(0) });

    const selects = plans.queries.filter((q) => q.sql.startsWith('SELECT'));
    expect(selects).toHaveLength(4);
    for (const { sql, parameters } of selects) {
      const plan = (await dataSource.query(`EXPLAIN QUERY PLAN ${sql}`, parameters)) as Array<{ detail: string }>;
      expect(plan.map((step) => step.detail).join('\n')).toMatch(
        /SEARCH u USING COVERING INDEX IDX_usage_log_entries_user_created_totals \(user_id=\? AND created_at>\?/,
      );
    }
  });
});
