/**
 * P1: getUserLlm() warm (same user + slot) and cold (first call of a new user) vs constructing a ChatOpenAI; the
 * cold call is also shown against one bare single-row INSERT commit on the same SQLite file, the least a first call
 * that must save the user's slots can cost on that disk.
 */
import { ChatOpenAI } from '@langchain/openai';
import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../src/llm-manager/database/database.providers';
import type { BenchContext } from './context';
import { MODEL } from './context';
import { meanMs, percentile, type Figure } from './stats';

const COLD_GOAL_MS = 5;

export async function benchGetUserLlm(ctx: BenchContext): Promise<Figure[]> {
  const [warmN, coldN] = ctx.quick ? [2_000, 30] : [20_000, 300];
  const { url } = ctx.upstream;
  const db = ctx.moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  let sink: unknown;
  const floor = await meanMs(warmN, () => {
    sink = new ChatOpenAI({ model: MODEL, apiKey: 'sk-bench-floor', configuration: { baseURL: url } });
  });
  await ctx.manager.getUserLlm('warm-user'); // first call creates the user's slots and fills the cache
  const warm = await meanMs(warmN, async () => {
    sink = await ctx.manager.getUserLlm('warm-user');
  });
  // Cold calls and bare commits in alternating rounds (the disk is shared): medians of the round means.
  const rounds = 10;
  const per = Math.ceil(coldN / rounds);
  const coldRounds: number[] = [];
  const commitRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    coldRounds.push(await meanMs(per, async (i) => {
      sink = await ctx.manager.getUserLlm(`cold-user-${round}-${i}`);
    }, 0));
    commitRounds.push(await meanMs(per, () => db.query(
      "INSERT INTO usage_log_entries (user_id, prompt_tokens, completion_tokens, total_tokens, success, created_at) VALUES ('p1-commit', 0, 0, 0, 1, '2026-01-01 00:00:00.000')",
    ), 0));
  }
  if (sink === undefined) throw new Error('P1 produced no model');
  const cold = percentile(coldRounds, 50);
  const commit = percentile(commitRounds, 50);
  return [
    { id: 'P1', label: 'getUserLlm warm (same user+slot)', value: warm, floor, unit: 'ms/call', goal: '≤ 1.0×', met: warm <= floor, floorNote: 'new ChatOpenAI' },
    { id: 'P1', label: `getUserLlm cold (new user, SQLite; median of ${rounds} rounds)`, value: cold, floor, unit: 'ms/call', goal: `≤ ${COLD_GOAL_MS} ms`, met: cold <= COLD_GOAL_MS, floorNote: 'new ChatOpenAI' },
    { id: 'P1', label: 'getUserLlm cold vs one bare INSERT commit (same file, same rounds)', value: cold, floor: commit, unit: 'ms/call', goal: 'context: the disk\'s commit cost' },
  ];
}
