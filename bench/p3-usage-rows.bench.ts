/**
 * P3: usage rows/s of the recording pipeline itself, not of HTTP. Two figures, each against a naive floor on the same
 * SQLite file (one awaited TypeORM `insert()` per call):
 *   - tracked `invoke` end to end (LangChain, CallTracker, CallRecorder with token estimation, UsageWriter), the
 *     upstream answered in-process by a canned `fetch`, so the only thing left to measure is llm-mgr;
 *   - the CallRecorder → UsageWriter path alone, fed finished calls directly.
 * Rows are counted afterwards: a lost row throws, so does a floor that lost one.
 */
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../src/llm-manager/builder/call-recorder';
import { CallTracker } from '../src/llm-manager/builder/call-tracker';
import type { FinishedCall } from '../src/llm-manager/builder/call-observation';
import { TrackedChatModel } from '../src/llm-manager/builder/tracked-chat-model';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../src/llm-manager/database/usage-log-entry.entity';
import { UsageWriter } from '../src/llm-manager/usage/usage-writer';
import type { BenchContext } from './context';
import { MODEL } from './context';
import { fmt, now, pool, type Figure } from './stats';

const CONCURRENCY = 100;
const RATE_GOAL = 5_000;
const TIMES_NAIVE_GOAL = 20;

/** The fastest upstream there is: the OpenAI SDK's `fetch`, answered in-process with one canned completion. */
const REPLY = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: a short answer.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
});
const cannedFetch = async (): Promise<Response> =>
  new Response(REPLY, { status: 200, headers: { 'content-type': 'application/json' } });
const FIELDS = { model: MODEL, apiKey: 'sk-bench-in-process', maxRetries: 0, configuration: { baseURL: 'http://in-process.invalid/v1', fetch: cannedFetch } };

async function countRows(db: DataSource, userId: string): Promise<number> {
  const rows: unknown = await db.query('SELECT COUNT(*) AS n FROM usage_log_entries WHERE user_id = ?', [userId]);
  const first = Array.isArray(rows) ? (rows[0] as { n?: unknown } | undefined) : undefined;
  return Number(first?.n ?? NaN);
}

/** The naive way: one awaited TypeORM insert per call, at the same concurrency. Returns rows/s. */
async function naiveRowsPerSecond(db: DataSource, userId: string, calls: number, call: (i: number) => Promise<void>): Promise<number> {
  const repo = db.getRepository(UsageLogEntryEntity);
  const start = now();
  await pool(calls, CONCURRENCY, async (i) => {
    const t0 = now();
    await call(i);
    await repo.insert({
      userId, modelId: null, promptTokens: 12, completionTokens: 6, totalTokens: 18, reasoningTokens: 0, success: true,
      usageSource: 'reported', outcome: 'ok', latencyMs: Math.round(now() - t0), agentName: 'bench-p3', createdAt: new Date(),
    });
  });
  const seconds = (now() - start) / 1000;
  const written = await countRows(db, userId);
  if (written !== calls) throw new Error(`P3 floor lost rows: ${calls} calls, ${written} rows`);
  return written / seconds;
}

function finishedCall(i: number): FinishedCall {
  const at = Date.now();
  return {
    callId: `bench-${i}`, startedAt: at - 5, endedAt: at, outcome: 'ok', billable: true, promptMessages: [new HumanMessage(`row ${i}: how many tokens?`)],
    promptExtras: '', completionText: 'Echo: a short answer.', reasoningText: '', reported: { prompt: 12, completion: 6, reasoning: 0 },
  };
}

export async function benchUsageRows(ctx: BenchContext): Promise<Figure[]> {
  const calls = ctx.quick ? 1_000 : 10_000;
  // The naive floor pays one commit per row (milliseconds each): its rate is steady after a few hundred rows.
  const floorCalls = ctx.quick ? 200 : 2_000;
  const db = ctx.moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  const recorder = ctx.moduleRef.get(CallRecorder);
  const writer = ctx.moduleRef.get(UsageWriter);
  const { modelId } = (await ctx.manager.getUserLlm('p3-setup')).info;

  const measured = async (userId: string, body: () => Promise<void>): Promise<number> => {
    const start = now();
    await body();
    await recorder.drain();
    await writer.flush();
    const seconds = (now() - start) / 1000;
    const written = await countRows(db, userId);
    if (written !== calls) throw new Error(`P3 lost rows: ${calls} calls for ${userId}, ${written} usage rows`);
    return written / seconds;
  };

  const trackedUser = 'p3-tracked';
  const sink = recorder.sinkFor({ userId: trackedUser, modelId, agentName: 'bench-p3', family: 'openai' });
  const tracked = new TrackedChatModel(FIELDS, new CallTracker(sink), {
    userId: trackedUser, usageKey: 'main', agentName: 'bench-p3', platformId: 0, platformName: 'in-process', modelId,
    modelDisplayName: MODEL, modelName: MODEL,
  }, { last: () => Promise.reject(new Error('unused')), range: () => Promise.reject(new Error('unused')) });
  await tracked.invoke('warm up'); // untimed (loads the tokenizer); its row is written and deleted before timing
  await recorder.drain();
  await writer.flush();
  await db.query('DELETE FROM usage_log_entries WHERE user_id = ?', [trackedUser]);
  const trackedRate = await measured(trackedUser, async () => {
    await pool(calls, CONCURRENCY, (i) => tracked.invoke(`row ${i}: how many tokens?`));
  });
  const raw = new ChatOpenAI(FIELDS);
  await raw.invoke('warm up');
  const rawStart = now();
  await pool(calls, CONCURRENCY, (i) => raw.invoke(`row ${i}: how many tokens?`));
  const rawCallsPerSecond = calls / ((now() - rawStart) / 1000);
  const trackedFloor = await naiveRowsPerSecond(db, 'p3-naive-invoke', floorCalls, async (i) => {
    await raw.invoke(`row ${i}: how many tokens?`);
  });

  const recorderUser = 'p3-recorder';
  const recorderSink = recorder.sinkFor({ userId: recorderUser, modelId, agentName: 'bench-p3', family: 'openai' });
  const recorderRate = await measured(recorderUser, async () => {
    await pool(calls, CONCURRENCY, async (i) => recorderSink.record(finishedCall(i)));
  });
  const recorderFloor = await naiveRowsPerSecond(db, 'p3-naive-rows', floorCalls, async () => undefined);

  const goal = `≥ ${RATE_GOAL} rows/s, ≥ ${TIMES_NAIVE_GOAL}× naive (≤ ${1 / TIMES_NAIVE_GOAL}×), 0 lost`;
  return [
    {
      id: 'P3', label: `usage pipeline (CallRecorder → UsageWriter), ${calls} calls @${CONCURRENCY}, lost: 0`,
      value: recorderRate, floor: recorderFloor, unit: 'rows/s', higherIsBetter: true, goal,
      met: recorderRate >= RATE_GOAL && recorderRate >= TIMES_NAIVE_GOAL * recorderFloor, floorNote: 'naive: awaited insert per row',
    },
    {
      id: 'P3', label: `tracked invoke end to end, in-process upstream, ${calls} calls @${CONCURRENCY}, lost: 0`,
      value: trackedRate, floor: trackedFloor, unit: 'rows/s', higherIsBetter: true,
      goal: `context: LangChain-bound; raw invoke alone ${Math.round(rawCallsPerSecond)} calls/s ` +
        `(tracked ${fmt(rawCallsPerSecond / trackedRate)}× its time)`,
      floorNote: 'naive: raw invoke + awaited insert',
    },
  ];
}
