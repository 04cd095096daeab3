/**
 * P5: usage statistics over many rows (100 users × 30 days; 1M rows, 20k with --quick) on SQLite and PostgreSQL,
 * each in a throwaway store (a temp SQLite file; a `llm_bench_<random>` PostgreSQL database, dropped after).
 *
 *   - timeline (daily, 30 days), by model and by agent for one user through the real UsageQueryService, median of
 *     N runs; floor: the same service calls with the table's secondary indexes dropped (a full scan), which are then
 *     re-created from the definitions the migrations left;
 *   - purging half the rows through the real chunked `purge()` while a writer inserts a row every 2 ms through the
 *     real UsageWriter, recording the longest gap between two landed rows; floor: the same rows re-generated and
 *     removed by one plain `DELETE … WHERE created_at < ?`.
 *
 * PostgreSQL is required: when it cannot be reached the run fails loudly (never a silent skip).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { openDataSource } from '../src/llm-manager/database/data-source.factory';
import { databaseFromUrl } from '../src/llm-manager/llm-manager.options';
import { SystemClock } from '../src/llm-manager/usage/clock';
import { UsageQueryService } from '../src/llm-manager/usage/usage-query.service';
import { UsageSqlDialect } from '../src/llm-manager/usage/usage-sql-dialect';
import { UsageWriter } from '../src/llm-manager/usage/usage-writer';
import type { BenchContext } from './context';
import { now, percentile, type Figure } from './stats';

const USERS = 100;
const DAYS = 30;
const DAY_MS = 86_400_000;
const MODELS = 5;
const AGENTS = ['agent_muse', 'agent_scribe', 'agent_judge', 'agent_router'];
const QUERY_GOAL_MS = 20;
const STALL_GOAL_MS = 100;
const WRITER_TICK_MS = 2;
const PG_SERVER = { host: '127.0.0.1', port: 5432, username: 'postgres' };

type Engine = 'SQLite' | 'PostgreSQL';

/** One throwaway store holding the usage table, and the way to remove it. */
interface BenchStore {
  readonly engine: Engine;
  readonly db: DataSource;
  drop(): Promise<void>;
}

async function sqliteStore(): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-bench-p5-'));
  const db = await openDataSource({ type: 'better-sqlite3', database: join(dir, 'usage.db') });
  await db.runMigrations({ transaction: 'all' });
  return {
    engine: 'SQLite',
    db,
    drop: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresAdmin(sql: string): Promise<void> {
  const admin = new DataSource({ type: 'postgres', ...PG_SERVER, database: 'test', connectTimeoutMS: 5000 });
  try {
    await admin.initialize();
  } catch (error) {
    throw new Error(
      `P5 needs PostgreSQL at postgres://postgres@${PG_SERVER.host}:${PG_SERVER.port}/test (trust auth) and could not ` +
        `reach it: ${(error as Error).message}. Start PostgreSQL; the benchmark never skips an engine.`,
    );
  }
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}

async function postgresStore(): Promise<BenchStore> {
  const name = `llm_bench_${randomBytes(4).toString('hex')}`;
  await postgresAdmin(`CREATE DATABASE "${name}"`);
  let db: DataSource | undefined;
  try {
    db = await openDataSource(databaseFromUrl(`postgres://postgres@${PG_SERVER.host}:${PG_SERVER.port}/${name}`));
    await db.runMigrations({ transaction: 'all' });
  } catch (error) {
    await db?.destroy();
    await postgresAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  const opened = db;
  return {
    engine: 'PostgreSQL',
    db: opened,
    drop: async () => {
      await opened.destroy();
      await postgresAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/**
 * Inserts rows `from` ≤ n < `to` of a history of `total` rows spread evenly over `DAYS` days ending at `end`, in
 * time order (ids grow with created_at, as real traffic writes them), users round-robin. One statement per engine,
 * generated inside the database (recursive CTE / generate_series).
 */
async function generate(store: BenchStore, from: number, to: number, total: number, end: number): Promise<void> {
  const startSec = (end - DAYS * DAY_MS) / 1000;
  const stepSec = (DAYS * DAY_MS) / 1000 / total;
  const agents = `CASE n % 5 ${AGENTS.map((a, i) => `WHEN ${i} THEN '${a}'`).join(' ')} ELSE NULL END`;
  const columns =
    'user_id, model_id, prompt_tokens, completion_tokens, total_tokens, reasoning_tokens, success, usage_source, ' +
    'outcome, latency_ms, agent_name, created_at';
  const values = (at: string): string =>
    `'bench-user-' || (n % ${USERS}), 1 + (n / ${USERS}) % ${MODELS}, 100 + n % 900, 20 + n % 300, 120 + n % 900 + n % 300, 0, ` +
    `CASE WHEN n % 50 = 0 THEN 0 ELSE 1 END, 'estimated', CASE WHEN n % 50 = 0 THEN 'error' ELSE 'ok' END, ` +
    `100 + n % 2000, ${agents}, ${at}`;
  // Batches keep one statement's memory and (SQLite) lock bounded.
  const batch = 250_000;
  for (let lo = from; lo < to; lo += batch) {
    const hi = Math.min(to, lo + batch);
    if (store.engine === 'SQLite') {
      await store.db.query(
        `WITH RECURSIVE seq(n) AS (SELECT ${lo} UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ${hi}) ` +
          `INSERT INTO usage_log_entries (${columns}) SELECT ${values(`strftime('%Y-%m-%d %H:%M:%f', ${startSec} + n * ${stepSec}, 'unixepoch')`)} FROM seq`,
      );
    } else {
      await store.db.query(
        `INSERT INTO usage_log_entries (${columns}) SELECT ${values(`to_timestamp(${startSec} + n * ${stepSec}) AT TIME ZONE 'UTC'`)} ` +
          `FROM generate_series(${lo}, ${hi - 1}) AS n`,
      );
    }
  }
  // PostgreSQL's autovacuum vacuums and analyses a freshly loaded table soon after (13+ counts inserts too): do it
  // now rather than time a stale plan and an empty visibility map.
  if (store.engine === 'PostgreSQL') await store.db.query('VACUUM ANALYZE usage_log_entries');
}

async function count(db: DataSource): Promise<number> {
  const rows = (await db.query('SELECT COUNT(*) AS n FROM usage_log_entries')) as Array<{ n: unknown }>;
  return Number(rows[0]?.n);
}

/** The secondary indexes of the usage table as the migrations created them, to drop and re-create verbatim. */
async function secondaryIndexes(store: BenchStore): Promise<Array<{ name: string; definition: string }>> {
  if (store.engine === 'SQLite') {
    const rows = (await store.db.query(
      "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_log_entries' AND sql IS NOT NULL",
    )) as Array<{ name: string; definition: string }>;
    return rows;
  }
  const rows = (await store.db.query(
    "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'usage_log_entries' " +
      "AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'",
  )) as Array<{ name: string; definition: string }>;
  return rows;
}

async function medianMs(runs: number, body: () => Promise<unknown>): Promise<number> {
  await body(); // untimed: plan cache, page cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await body();
    samples.push(now() - t0);
  }
  return percentile(samples, 50);
}

/**
 * Runs `purge` while a writer lands one usage row every WRITER_TICK_MS through the real UsageWriter; returns the
 * longest time between two landed rows beyond the writer's own pause (its stall) and how long the purge took.
 */
async function withWriter(writer: UsageWriter, purge: () => Promise<unknown>): Promise<{ stallMs: number; purgeMs: number; rows: number }> {
  let done = false;
  let longest = 0;
  let rows = 0;
  const writing = (async (): Promise<void> => {
    let last = now();
    // Lands one more row after the purge ends, so a stall that lasted until then is measured too.
    for (let stop = false; !stop; ) {
      stop = done;
      await new Promise((resolve) => setTimeout(resolve, WRITER_TICK_MS));
      writer.enqueue({
        callId: null, userId: 'bench-writer', modelId: 1, promptTokens: 10, completionTokens: 5, totalTokens: 15, reasoningTokens: 0,
        cachedPromptTokens: 0, success: true, usageSource: 'estimated', outcome: 'ok', estimatedPromptTokens: 10,
        estimatedCompletionTokens: 5, reportedPromptTokens: null, reportedCompletionTokens: null, latencyMs: 1, agentName: null, createdAt: new Date(),
      });
      await writer.flush();
      rows += 1;
      const landed = now();
      longest = Math.max(longest, landed - last - WRITER_TICK_MS);
      last = landed;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the writer's steady state first
  const t0 = now();
  try {
    await purge();
  } finally {
    done = true;
  }
  const purgeMs = now() - t0;
  await writing;
  return { stallMs: longest, purgeMs, rows };
}

async function benchEngine(store: BenchStore, total: number, runs: number): Promise<Figure[]> {
  const { db, engine } = store;
  const clock = new SystemClock();
  const writer = new UsageWriter(db, clock);
  const queries = new UsageQueryService(db, writer, clock);
  const end = Date.now();
  const genStart = now();
  await generate(store, 0, total, total, end);
  const genSeconds = (now() - genStart) / 1000;
  if ((await count(db)) !== total) throw new Error(`P5 ${engine}: generated ${await count(db)} rows, wanted ${total}`);

  const user = 'bench-user-42';
  const since = new Date(end - DAYS * DAY_MS);
  const work: Array<[string, () => Promise<unknown>]> = [
    ['timeline (day, 30 d)', () => queries.timeline(user, { granularity: 'day', since, until: new Date(end) })],
    ['by model (30 d)', () => queries.byModel(user, { since })],
    ['by agent (30 d)', () => queries.byAgent(user, { since })],
  ];
  const expected = total / USERS;
  const byModel = await queries.byModel(user, { since });
  const requests = byModel.reduce((sum, m) => sum + m.requests, 0);
  if (requests !== expected) throw new Error(`P5 ${engine}: by model counted ${requests} requests of ${user}, wanted ${expected}`);

  const indexed: number[] = [];
  for (const [, body] of work) indexed.push(await medianMs(runs, body));
  const indexes = await secondaryIndexes(store);
  const table = UsageSqlDialect.usageTable(db);
  for (const index of indexes) await db.query(`DROP INDEX ${db.driver.escape(index.name)}`);
  const scanned: number[] = [];
  try {
    for (const [, body] of work) scanned.push(await medianMs(Math.min(runs, 5), body));
  } finally {
    for (const index of indexes) await db.query(index.definition);
  }

  const cutoff = new Date(end - (DAYS / 2) * DAY_MS);
  const half = Math.ceil(total / 2);
  let purged = 0;
  const chunked = await withWriter(writer, async () => {
    purged = await queries.purge(cutoff);
  });
  if (Math.abs(purged - half) > 1) throw new Error(`P5 ${engine}: purge removed ${purged} rows, wanted about ${half}`);
  const landed = (await db.query("SELECT COUNT(*) AS n FROM usage_log_entries WHERE user_id = 'bench-writer'")) as Array<{ n: unknown }>;
  if (Number(landed[0]?.n) !== chunked.rows) throw new Error(`P5 ${engine}: the writer lost rows during the purge`);

  await generate(store, 0, purged, total, end);
  const before = db.driver.options.type === 'postgres' ? '$1' : '?';
  const naive = await withWriter(writer, () =>
    db.query(`DELETE FROM ${table} WHERE created_at < ${before}`, [UsageSqlDialect.of(db).dateTime(cutoff)]));
  await writer.flush();

  const rowsLabel = total >= 1_000_000 ? `${total / 1_000_000}M` : `${total / 1000}k`;
  const figures: Figure[] = work.map(([label], i) => ({
    id: 'P5', label: `${engine}: ${label}, 1 user of ${rowsLabel} rows (median of ${runs})`, value: indexed[i], floor: scanned[i],
    unit: 'ms', goal: `≤ ${QUERY_GOAL_MS} ms`, met: indexed[i] <= QUERY_GOAL_MS, floorNote: 'full scan, indexes dropped',
  }));
  figures.push({
    id: 'P5', label: `${engine}: purge ${purged} rows (chunked, took ${(chunked.purgeMs / 1000).toFixed(1)} s), longest writer stall`,
    value: chunked.stallMs, floor: naive.stallMs, unit: 'ms', goal: `≤ ${STALL_GOAL_MS} ms (writer every ${WRITER_TICK_MS} ms)`,
    met: chunked.stallMs <= STALL_GOAL_MS, floorNote: `one DELETE, took ${(naive.purgeMs / 1000).toFixed(1)} s`,
  });
  console.error(`P5 ${engine}: generated ${total} rows in ${genSeconds.toFixed(1)} s`);
  return figures;
}

export async function benchUsageStats(ctx: BenchContext): Promise<Figure[]> {
  const total = ctx.quick ? 20_000 : 1_000_000;
  const runs = ctx.quick ? 3 : 21;
  const figures: Figure[] = [];
  for (const open of [sqliteStore, postgresStore]) {
    const store = await open();
    try {
      figures.push(...(await benchEngine(store, total, runs)));
    } finally {
      await store.drop();
    }
  }
  return figures;
}
