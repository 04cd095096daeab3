/**
 * P3: usage rows/s. N calls at concurrency 100 through a tracked model, then drain + flush, vs a naive floor: the
 * same calls through a raw ChatOpenAI, each followed by one awaited INSERT on the same SQLite file. Lost rows throw.
 */
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../src/llm-manager/builder/call-recorder';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../src/llm-manager/database/database.providers';
import { UsageWriter } from '../src/llm-manager/usage/usage-writer';
import type { BenchContext } from './context';
import { now, pool, type Figure } from './stats';

const CONCURRENCY = 100;

async function countRows(db: DataSource, userId: string): Promise<number> {
  const rows: unknown = await db.query('SELECT COUNT(*) AS n FROM usage_log_entries WHERE user_id = ?', [userId]);
  const first = Array.isArray(rows) ? (rows[0] as { n?: unknown } | undefined) : undefined;
  return Number(first?.n ?? NaN);
}

const sqliteDate = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

export async function benchUsageRows(ctx: BenchContext): Promise<Figure[]> {
  const calls = ctx.quick ? 1_000 : 10_000;
  const db = ctx.moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  const recorder = ctx.moduleRef.get(CallRecorder);
  const writer = ctx.moduleRef.get(UsageWriter);
  const [trackedUser, floorUser] = ['p3-tracked', 'p3-floor'];

  const tracked = await ctx.manager.getUserLlm(trackedUser, { agentName: 'bench-p3' });
  const before = await countRows(db, trackedUser);
  let start = now();
  await pool(calls, CONCURRENCY, (i) => tracked.invoke(`row ${i}`));
  await recorder.drain();
  await writer.flush();
  const trackedSec = (now() - start) / 1000;
  const written = (await countRows(db, trackedUser)) - before;
  if (written !== calls) throw new Error(`P3 lost rows: ${calls} tracked calls, ${written} usage rows`);

  const raw = ctx.rawModel();
  start = now();
  await pool(calls, CONCURRENCY, async (i) => {
    const t0 = now();
    const reply = await raw.invoke(`row ${i}`);
    const usage = reply.usage_metadata;
    await db.query(
      'INSERT INTO usage_log_entries (user_id, model_id, prompt_tokens, completion_tokens, total_tokens, success, ' +
        'usage_source, outcome, latency_ms, agent_name, created_at) VALUES (?, NULL, ?, ?, ?, 1, ?, ?, ?, ?, ?)',
      [floorUser, usage?.input_tokens ?? 0, usage?.output_tokens ?? 0, usage?.total_tokens ?? 0, 'reported', 'ok',
        Math.round(now() - t0), 'bench-p3', sqliteDate(new Date())],
    );
  });
  const floorSec = (now() - start) / 1000;
  const floorRows = await countRows(db, floorUser);
  if (floorRows !== calls) throw new Error(`P3 floor lost rows: ${calls} calls, ${floorRows} rows`);

  return [
    {
      id: 'P3', label: `usage rows/s, ${calls} calls @${CONCURRENCY} (lost: 0)`, value: written / trackedSec,
      floor: floorRows / floorSec, unit: 'rows/s', higherIsBetter: true,
    },
  ];
}
