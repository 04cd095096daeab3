/** P1: getUserLlm() warm (same user + slot) and cold (first call of a new user) vs constructing a ChatOpenAI. */
import { ChatOpenAI } from '@langchain/openai';
import type { BenchContext } from './context';
import { MODEL } from './context';
import { meanMs, type Figure } from './stats';

export async function benchGetUserLlm(ctx: BenchContext): Promise<Figure[]> {
  const [warmN, coldN] = ctx.quick ? [2_000, 30] : [20_000, 300];
  const { url } = ctx.upstream;
  let sink: unknown;
  const floor = await meanMs(warmN, () => {
    sink = new ChatOpenAI({ model: MODEL, apiKey: 'sk-bench-floor', configuration: { baseURL: url } });
  });
  await ctx.manager.getUserLlm('warm-user'); // first call creates the user's slots and fills the cache
  const warm = await meanMs(warmN, async () => {
    sink = await ctx.manager.getUserLlm('warm-user');
  });
  const cold = await meanMs(coldN, async (i) => {
    sink = await ctx.manager.getUserLlm(`cold-user-${i}`);
  }, 0);
  if (sink === undefined) throw new Error('P1 produced no model');
  return [
    { id: 'P1', label: 'getUserLlm warm (same user+slot)', value: warm, floor, unit: 'ms/call', goal: '≤ 1.0×', met: warm <= floor, floorNote: 'new ChatOpenAI' },
    { id: 'P1', label: 'getUserLlm cold (new user, SQLite)', value: cold, floor, unit: 'ms/call', goal: '≤ 5 ms', met: cold <= 5, floorNote: 'new ChatOpenAI' },
  ];
}
