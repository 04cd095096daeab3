/**
 * Measures the two SQLite drivers TypeORM supports on llm-mgr's real schema (entities + migrations).
 *
 *   npx ts-node --transpile-only bench/sqlite-driver.bench.ts                 # better-sqlite3 only
 *   SQLITE3_MODULE_DIR=/tmp/sqlite3-driver/node_modules \
 *     npx ts-node --transpile-only bench/sqlite-driver.bench.ts               # + 'sqlite' (sqlite3 package)
 *
 * Optional: first argument picks one type ('better-sqlite3' | 'sqlite'); BENCH_RUNS (default 3).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../src/llm-manager/database/data-source.factory';
import { UsageLogEntryEntity } from '../src/llm-manager/database/usage-log-entry.entity';
import type { LlmManagerDatabaseOptions } from '../src/llm-manager/llm-manager.options';

type DriverType = 'better-sqlite3' | 'sqlite';
type Row = Omit<UsageLogEntryEntity, 'id'>;
interface Timings { single: number; multi: number; query: number }

const [ROWS, CHUNK, QUERIES, USERS, MINUTE, BASE_MS] = [20_000, 500, 1_000, 50, 60_000, Date.UTC(2026, 0, 1)];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

// Deterministic rows (no Math.random), so every run and every machine writes and sums the same data.
const rows: Row[] = Array.from({ length: ROWS }, (_, i) => {
  const [prompt, completion, even] = [100 + (i % 997), 20 + (i % 313), i % 2 === 0];
  return {
    callId: null, userId: `user-${i % USERS}`, modelId: 1 + (i % 7), promptTokens: prompt, completionTokens: completion,
    totalTokens: prompt + completion, reasoningTokens: i % 5 === 0 ? 10 : 0, cachedPromptTokens: 0, success: i % 50 !== 0,
    usageSource: even ? 'both' : 'estimated', outcome: i % 50 === 0 ? 'error' : 'ok',
    estimatedPromptTokens: prompt, estimatedCompletionTokens: completion,
    reportedPromptTokens: even ? prompt : null, reportedCompletionTokens: even ? completion : null,
    latencyMs: 200 + (i % 1500), agentName: i % 3 === 0 ? 'bench-agent' : null, costMicroUsd: i % 7 === 0 ? null : prompt + completion,
    createdAt: new Date(BASE_MS + i * MINUTE),
  };
});

const queryArgs = (q: number): [string, Date] => [`user-${q % USERS}`, new Date(BASE_MS + ((q * 37) % ROWS) * MINUTE)];

/** The sum the database must return, so a driver that reads wrong data cannot look fast. */
function expectedTotal(): number {
  let total = 0;
  for (let q = 0; q < QUERIES; q++) {
    const [user, since] = queryArgs(q);
    for (const r of rows) if (r.userId === user && r.createdAt >= since) total += r.totalTokens;
  }
  return total;
}

function sqlite3Module(): unknown {
  const dir = process.env.SQLITE3_MODULE_DIR;
  if (!dir) throw new Error("type 'sqlite' needs SQLITE3_MODULE_DIR (a node_modules folder holding sqlite3)");
  // Loaded from outside the project so the bench never adds sqlite3 to package.json.
  return require(path.join(dir, 'sqlite3')) as unknown;
}

async function open(type: DriverType, file: string): Promise<DataSource> {
  const options: LlmManagerDatabaseOptions =
    type === 'sqlite' ? { type, database: file, driver: sqlite3Module() } : { type, database: file };
  const ds = await openDataSource(options);
  return ds.runMigrations().then(() => ds);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Both queries alias their one column `value`, so a literal key lets `in` narrow without a cast. */
function firstValue(result: unknown): unknown {
  const first: unknown = Array.isArray(result) ? result[0] : undefined;
  if (typeof first !== 'object' || first === null || !('value' in first)) throw new Error('no `value` column');
  return first.value;
}

const engineVersions = new Map<DriverType, string>();

async function runOnce(type: DriverType, expected: number): Promise<Timings> {
  const dir = mkdtempSync(path.join(tmpdir(), 'llm-mgr-bench-'));
  try {
    // Fresh files per phase, so (b) does not write into pages freed or warmed by (a).
    const a = await open(type, path.join(dir, 'single.db'));
    // The two packages bundle different SQLite releases; the table must say which engine each number ran on.
    engineVersions.set(type, String(firstValue(await a.query('SELECT sqlite_version() AS value'))));
    // insert() writes the generated id back onto its argument: fresh copies, made before the clock starts.
    const singleRows = rows.map((r) => ({ ...r }));
    const single = await timed(() => a.transaction(async (m) => {
      for (const row of singleRows) await m.insert(UsageLogEntryEntity, row);
    }));
    await a.destroy();

    const b = await open(type, path.join(dir, 'multi.db'));
    const multiRows = rows.map((r) => ({ ...r }));
    const multi = await timed(() => b.transaction(async (m) => {
      for (let i = 0; i < ROWS; i += CHUNK) await m.insert(UsageLogEntryEntity, multiRows.slice(i, i + CHUNK));
    }));
    const sql = 'SELECT SUM(total_tokens) AS value FROM usage_log_entries WHERE user_id = ? AND created_at >= ?';
    let sum = 0;
    const query = await timed(async () => {
      for (let q = 0; q < QUERIES; q++) {
        const [user, since] = queryArgs(q);
        // Same text format TypeORM writes for a Date column on SQLite ('YYYY-MM-DD HH:MM:SS.SSS', UTC).
        const sinceText = since.toISOString().replace('T', ' ').replace('Z', '');
        const total = firstValue(await b.query(sql, [user, sinceText]));
        if (typeof total !== 'number') throw new Error(`${type}: SUM returned ${String(total)}`);
        sum += total;
      }
    });
    await b.destroy();
    if (sum !== expected) throw new Error(`${type}: SUM over ${QUERIES} queries was ${sum}, expected ${expected}`);
    return { single, multi, query };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const arg = process.argv[2];
  const all: DriverType[] = process.env.SQLITE3_MODULE_DIR ? ['better-sqlite3', 'sqlite'] : ['better-sqlite3'];
  const types: DriverType[] = arg === 'better-sqlite3' || arg === 'sqlite' ? [arg] : all;
  const expected = expectedTotal();
  const runs = new Map<DriverType, Timings[]>(types.map((t) => [t, []]));
  // Interleaved, so drift on the machine (thermal, other load) hits both drivers alike.
  for (let r = 0; r < RUNS; r++) {
    for (const t of types) {
      const result = await runOnce(t, expected);
      runs.get(t)?.push(result);
      const ms = Object.entries(result).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');
      console.error(`run ${r + 1}/${RUNS} ${t}: ${ms} ms`);
    }
  }
  const med = (t: DriverType, key: keyof Timings): number => median((runs.get(t) ?? []).map((x) => x[key]));
  const phases: [keyof Timings, string][] = [
    ['single', `(a) ${ROWS} single-row inserts, 1 tx`],
    ['multi', `(b) ${ROWS} rows, inserts of ${CHUNK}, 1 tx`],
    ['query', `(c) ${QUERIES} SUM queries`],
  ];
  const both = types.length === 2;
  const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`;
  console.log(`\n${new Date().toISOString()}; ${machine}; median of ${RUNS} runs, ms\n`);
  const heads = types.map((t) => `${t} (SQLite ${engineVersions.get(t) ?? '?'})`);
  console.log(`| phase | ${heads.join(' | ')} |${both ? ' sqlite / better-sqlite3 |' : ''}`);
  console.log(`|---|${types.map(() => '---:|').join('')}${both ? '---:|' : ''}`);
  for (const [key, label] of phases) {
    const cells = types.map((t) => med(t, key).toFixed(0));
    const ratio = both ? ` ${(med('sqlite', key) / med('better-sqlite3', key)).toFixed(2)}× |` : '';
    console.log(`| ${label} | ${cells.join(' | ')} |${ratio}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
