/**
 * The four database drivers llm-mgr supports, measured in one run on its real schema (entities + migrations):
 * better-sqlite3 (the default), the sqlite3 package (TypeORM type 'sqlite'), PostgreSQL (pg) and MariaDB (mysql2).
 *
 *   npx ts-node --transpile-only bench/database-drivers.bench.ts [driver …]     # BENCH_RUNS (3), BENCH_ROWS (200000)
 *
 *   (a) single-row inserts through TypeORM, one transaction: the driver's cost per statement, as rows/s;
 *   (b) a heavy statistics query (the admin's per-user totals, UsageQueryService.userTotals, over BENCH_ROWS rows):
 *       how long it takes, and the longest the event loop stood still meanwhile (every request of the server waits
 *       that long). better-sqlite3 runs it on the event loop; the others wait for it off the loop.
 *
 * Runs are interleaved so drift on the shared machine hits every driver alike; the table shows medians and each
 * driver's ratio to better-sqlite3. PostgreSQL and MariaDB must be up on 127.0.0.1 (test/support/test-engine.ts);
 * each run uses a schema/database of its own, dropped after.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../src/llm-manager/database/data-source.factory';
import { UsageLogEntryEntity } from '../src/llm-manager/database/usage-log-entry.entity';
import { SystemClock } from '../src/llm-manager/usage/clock';
import { UsageQueryService } from '../src/llm-manager/usage/usage-query.service';
import { UsageSqlDialect } from '../src/llm-manager/usage/usage-sql-dialect';
import { createTestDatabase, type TestEngineName } from '../test/support/test-engine';

const DRIVERS = { 'better-sqlite3': 'sqlite', sqlite3: 'sqlite3', postgres: 'postgres', mariadb: 'mariadb' } as const;
type Driver = keyof typeof DRIVERS;
interface Timings { insertsPerSecond: number; queryMs: number; stallMs: number }

/** The server or library version each driver ran on: the two SQLite packages bundle different SQLite releases. */
const versions = new Map<Driver, string>();
const VERSION_QUERIES: Record<TestEngineName, [string, string]> = {
  sqlite: ['SQLite', 'SELECT sqlite_version() AS v'],
  sqlite3: ['SQLite', 'SELECT sqlite_version() AS v'],
  postgres: ['PostgreSQL', 'SELECT current_setting(\'server_version\') AS v'],
  mariadb: ['MariaDB', 'SELECT VERSION() AS v'],
};

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const SINGLE_INSERTS = 10_000;
const USERS = 500;

const COLUMNS =
  'user_id, model_id, prompt_tokens, completion_tokens, total_tokens, reasoning_tokens, success, usage_source, outcome, latency_ms, created_at';

/** The column values of generated row number `n` (an SQL expression), its user id text and its time. */
const values = (n: string, user: string, at: string): string =>
  `${user}, 1 + ${n} % 7, 100 + ${n} % 900, 20 + ${n} % 300, 120 + ${n} % 900 + ${n} % 300, 0, ` +
  `CASE WHEN ${n} % 50 = 0 THEN 0 ELSE 1 END, 'estimated', 'ok', 100 + ${n} % 2000, ${at}`;

/** `ROWS` usage rows over the last 30 days, generated inside the database in one statement. */
function fillStatement(engine: TestEngineName, table: string): string {
  const [start, step] = [Math.floor(Date.now() / 1000) - 30 * 86_400, (30 * 86_400) / ROWS];
  const insert = `INSERT INTO ${table} (${COLUMNS}) SELECT`;
  if (engine === 'postgres') {
    return `${insert} ${values('n', `'user-' || (n % ${USERS})`, `to_timestamp(${start} + n * ${step})`)} FROM generate_series(0, ${ROWS - 1}) AS n`;
  }
  if (engine === 'mariadb') {
    // MariaDB's sequence engine; `||` means OR there.
    return `${insert} ${values('seq', `CONCAT('user-', seq % ${USERS})`, `FROM_UNIXTIME(${start} + seq * ${step})`)} FROM seq_0_to_${ROWS - 1}`;
  }
  const at = `strftime('%Y-%m-%d %H:%M:%f', ${start} + n * ${step}, 'unixepoch')`;
  return `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ${ROWS}) ${insert} ${values('n', `'user-' || (n % ${USERS})`, at)} FROM seq`;
}

const row = (i: number): Omit<UsageLogEntryEntity, 'id'> => ({
  callId: null, userId: `user-${i % USERS}`, modelId: 1 + (i % 7), promptTokens: 100, completionTokens: 20, totalTokens: 120,
  reasoningTokens: 0, cachedPromptTokens: 0, estimatedPromptTokens: 100, estimatedCompletionTokens: 20, success: true,
  usageSource: 'estimated', outcome: 'ok', reportedPromptTokens: null, reportedCompletionTokens: null, latencyMs: 200, attempt: 1, fallbackFrom: null,
  agentName: null, usageKey: null, errorCode: null, errorDetail: null, costMicroUsd: null, createdAt: new Date(),
});

/**
 * The longest the event loop stood still while `work` ran, in ms: the largest gap between two ticks of a 1 ms
 * interval, minus that 1 ms (what a request arriving meanwhile would have waited).
 */
async function stalled<T>(work: () => Promise<T>): Promise<[T, number]> {
  let [last, longest] = [performance.now(), 0];
  const tick = (): void => {
    const at = performance.now();
    longest = Math.max(longest, at - last - 1);
    last = at;
  };
  const ticker = setInterval(tick, 1);
  try {
    const result = await work();
    await new Promise((resolve) => setTimeout(resolve, 2)); // a stall at the very end shows on the next tick
    tick();
    return [result, longest];
  } finally {
    clearInterval(ticker);
  }
}

async function runOnce(driver: Driver): Promise<Timings> {
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-mgr-drivers-'));
  const place = createTestDatabase(DRIVERS[driver], path.join(dir, 'bench.db'));
  let db: DataSource | undefined;
  try {
    db = await openDataSource(place.options);
    await db.runMigrations({ transaction: 'all' });
    const [engine, sql] = VERSION_QUERIES[DRIVERS[driver]];
    const reported = String(((await db.query(sql)) as Array<{ v: unknown }>)[0]?.v);
    versions.set(driver, `${engine} ${/^\d+(\.\d+)+/.exec(reported)?.[0] ?? reported}`);
    const rows = Array.from({ length: SINGLE_INSERTS }, (_, i) => row(i));
    const started = performance.now();
    await db.transaction(async (m) => {
      for (const r of rows) await m.insert(UsageLogEntryEntity, r);
    });
    const insertsPerSecond = SINGLE_INSERTS / ((performance.now() - started) / 1000);

    await db.query(fillStatement(DRIVERS[driver], UsageSqlDialect.usageTable(db)));
    const usage = new UsageQueryService(db, { flush: async () => undefined }, new SystemClock());
    await usage.userTotals(); // warm: page cache, plan cache
    const queryStarted = performance.now();
    const [totals, stallMs] = await stalled(() => usage.userTotals());
    const queryMs = performance.now() - queryStarted;
    if (totals.length !== USERS) throw new Error(`${driver}: ${totals.length} users in the totals, expected ${USERS}`);
    return { insertsPerSecond, queryMs, stallMs };
  } finally {
    await db?.destroy();
    place.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const isDriver = (name: string): name is Driver => name in DRIVERS;

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter(isDriver);
  const drivers: Driver[] = asked.length > 0 ? asked : (Object.keys(DRIVERS) as Driver[]);
  const runs = new Map<Driver, Timings[]>(drivers.map((d) => [d, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const driver of drivers) {
      const result = await runOnce(driver);
      runs.get(driver)?.push(result);
      console.error(`run ${r + 1}/${RUNS} ${driver}: ${Object.entries(result).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    }
  }
  const med = (d: Driver, key: keyof Timings): number => median((runs.get(d) ?? []).map((t) => t[key]));
  const base = drivers.includes('better-sqlite3') ? 'better-sqlite3' : drivers[0];
  const cell = (d: Driver, key: keyof Timings, unit: string): string =>
    `${med(d, key).toFixed(0)} ${unit} (${(med(d, key) / med(base, key)).toFixed(2)}×)`;
  console.log(`\n${new Date().toISOString()}; ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version}; ` +
    `median of ${RUNS} interleaved runs; (×) = ratio to ${base}\n`);
  console.log(`| driver | (a) single-row inserts, 1 tx | (b) per-user totals over ${ROWS.toLocaleString('en')} rows | (b) longest event-loop stall |`);
  console.log('|---|---:|---:|---:|');
  for (const d of drivers) {
    console.log(`| ${d} (${versions.get(d) ?? '?'}) | ${cell(d, 'insertsPerSecond', 'rows/s')} | ${cell(d, 'queryMs', 'ms')} | ${cell(d, 'stallMs', 'ms')} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
