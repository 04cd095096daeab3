/**
 * P3: usage rows/s of the recording pipeline itself, not of HTTP. Two figures, each against a naive floor on the same
 * SQLite file (one awaited TypeORM `insert()` per call):
 *   - tracked `invoke` end to end (LangChain, CallTracker, CallRecorder with token estimation, UsageWriter), the
 *     upstream answered in-process by a canned `fetch`, so the only thing left to measure is llm-mgr;
 *   - the CallRecorder → UsageWriter path alone, fed finished calls directly.
 * Rows are counted afterwards: a lost row throws, so does a floor that lost one.
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatOpenAI } from '@langchain/openai';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../src/llm-manager/builder/call-recorder';
import { CallTracker } from '../src/llm-manager/builder/call-tracker';
import { CallObservation } from '../src/llm-manager/builder/call-observation';
import { LiveCall } from '../src/llm-manager/builder/live-call';
import { RetryLoop } from '../src/llm-manager/builder/retry-loop';
import { UsageJournal } from '../src/llm-manager/usage/usage-journal';
import { TrackedChatModel } from '../src/llm-manager/builder/tracked-chat-model';
import { ModelHealth } from '../src/llm-manager/builder/model-health';
import { KeyCooldowns } from '../src/llm-manager/cooldowns/key-cooldowns';
import { KEYLESS_ID } from '../src/llm-manager/cooldowns/key-id';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../src/llm-manager/database/usage-log-entry.entity';
import { UsageWriter } from '../src/llm-manager/usage/usage-writer';
import type { BenchContext } from './context';
import { MODEL } from './context';

/** Metric labels of the bench's calls (configuration names in real use). */
const BENCH_LABELS = { platform: 'Bench', model: 'bench-model' };
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

/** What LangChain hands the tracker for one reply; built once, as LangChain's cost is not what P3 measures. */
const RESULT = {
  generations: [{
    text: 'Echo: a short answer.',
    message: new AIMessage({ content: 'Echo: a short answer.', usage_metadata: { input_tokens: 12, output_tokens: 6, total_tokens: 18 } }),
  }],
};

/** One call through the recorder as a tracked model makes it: journaled as it leaves, settled with a result. */
function recordOneCall(sink: ReturnType<CallRecorder['sinkFor']>, i: number): void {
  const call = new LiveCall(new CallObservation(Date.now() - 5, [new HumanMessage(`row ${i}: how many tokens?`)], ''), sink, undefined);
  sink.open(call);
  call.observation.observeResult(RESULT);
  call.settle('ok');
}

/** What the journal costs a call: its four synchronous appends (begin, prompt, end, row) and the release, in µs. */
function journalMicrosPerCall(calls: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-bench-journal-'));
  try {
    const journal = new UsageJournal(dir);
    journal.open('bench-store');
    const start = now();
    for (let i = 0; i < calls; i += 1) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      journal.append(id, { t: 'begin', id, userId: 'p3', modelId: 1, agentName: 'bench-p3', at: Date.now(), promptChars: 26 });
      journal.append(id, { t: 'prompt', id, tokens: 12 });
      journal.append(id, { t: 'end', id, outcome: 'ok', at: Date.now(), completionChars: 21, reported: { prompt: 12, completion: 6, reasoning: 0 } });
      journal.append(id, { t: 'row', id, row: JOURNAL_ROW });
      journal.release([{ callId: id }]);
    }
    const micros = ((now() - start) * 1000) / calls;
    journal.close();
    return micros;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const JOURNAL_ROW = {
  callId: null, userId: 'p3', modelId: 1, promptTokens: 12, completionTokens: 6, totalTokens: 18, reasoningTokens: 0, success: true,
  cachedPromptTokens: 0, usageSource: 'both' as const, outcome: 'ok' as const, estimatedPromptTokens: 12, estimatedCompletionTokens: 6,
  reportedPromptTokens: 12, reportedCompletionTokens: 6, latencyMs: 5,
  agentName: 'bench-p3', createdAt: new Date(0).toISOString(),
};

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
  const sink = recorder.sinkFor({ userId: trackedUser, modelId, agentName: 'bench-p3', family: 'openai', labels: BENCH_LABELS });
  const tracked = new TrackedChatModel(FIELDS, new CallTracker(sink, { platformName: 'in-process', baseUrl: 'http://in-process', apiKey: undefined, timeoutMs: 60_000 }), new RetryLoop({ retries: 0, baseDelayMs: 0, maxDelayMs: 0, retryAfterMaxMs: 0 }), {
    userId: trackedUser, usageKey: 'main', agentName: 'bench-p3', platformId: 0, platformName: 'in-process', modelId,
    modelDisplayName: MODEL, modelName: MODEL, keyOrigin: 'none',
  }, { last: () => Promise.reject(new Error('unused')), range: () => Promise.reject(new Error('unused')) },
  new ModelHealth(ctx.moduleRef.get(KeyCooldowns), { platformId: 0, keyId: KEYLESS_ID, platformName: 'in-process', modelName: MODEL }));
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
  const recorderSink = recorder.sinkFor({ userId: recorderUser, modelId, agentName: 'bench-p3', family: 'openai', labels: BENCH_LABELS });
  const recorderRate = await measured(recorderUser, async () => {
    await pool(calls, CONCURRENCY, async (i) => recordOneCall(recorderSink, i));
  });
  const journalMicros = journalMicrosPerCall(calls);
  const recorderFloor = await naiveRowsPerSecond(db, 'p3-naive-rows', floorCalls, async () => undefined);

  const goal = `≥ ${RATE_GOAL} rows/s, ≥ ${TIMES_NAIVE_GOAL}× naive (≤ ${1 / TIMES_NAIVE_GOAL}×), 0 lost`;
  return [
    {
      id: 'P3', label: `usage pipeline (CallRecorder → journal → UsageWriter), ${calls} calls @${CONCURRENCY}, lost: 0`,
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
    {
      id: 'P3', label: `usage journal per call (4 appends with writeSync + release), ${calls} calls`,
      value: journalMicros / 1000, floor: 1000 / RATE_GOAL, unit: 'ms/call',
      goal: `context: the journal's share of the ${1000 / RATE_GOAL} ms a call may take at ${RATE_GOAL} rows/s`,
      floorNote: 'one call at the P3 goal rate',
    },
  ];
}
