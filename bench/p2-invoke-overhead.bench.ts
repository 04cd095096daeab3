/** P2: tracked invoke vs raw ChatOpenAI.invoke (sequential), and concurrent streams p50/p99 (tracked vs raw). */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BenchContext } from './context';
import { mean, meanMs, percentile, pool, type Figure } from './stats';

async function consume(model: BaseChatModel, prompt: string): Promise<void> {
  let chunks = 0;
  for await (const chunk of await model.stream(prompt)) if (chunk) chunks++;
  if (chunks === 0) throw new Error('stream produced no chunks');
}

export async function benchInvokeOverhead(ctx: BenchContext): Promise<Figure[]> {
  const [sequential, streams] = ctx.quick ? [50, 10] : [2_000, 100];
  const tracked = await ctx.manager.getUserLlm('p2-user', { agentName: 'bench-p2' });
  const raw = ctx.rawModel();
  const check = (reply: { content: unknown }): void => {
    if (typeof reply.content !== 'string' || !reply.content.startsWith('Echo:')) throw new Error('unexpected reply');
  };
  // Two halves in alternating order, so neither side always runs on a colder process or connection pool.
  const half = Math.ceil(sequential / 2);
  const rawSeq = (): Promise<number> => meanMs(half, async (i) => check(await raw.invoke(`hello ${i}`)), 20);
  const trackedSeq = (): Promise<number> => meanMs(half, async (i) => check(await tracked.invoke(`hello ${i}`)), 20);
  const rawA = await rawSeq();
  const trackedA = await trackedSeq();
  const trackedMs = (trackedA + (await trackedSeq())) / 2;
  const rawMs = (rawA + (await rawSeq())) / 2;

  const rawLat: number[] = [];
  const trackedLat: number[] = [];
  const burst = (model: BaseChatModel, round: number): Promise<number[]> =>
    pool(streams, streams, (i) => consume(model, `stream ${round} ${i}`));
  await burst(raw, -1); // untimed warmup of both sides
  await burst(tracked, -1);
  for (let round = 0; round < 4; round++) {
    const rawFirst = round % 2 === 0;
    if (rawFirst) rawLat.push(...(await burst(raw, round)));
    trackedLat.push(...(await burst(tracked, round)));
    if (!rawFirst) rawLat.push(...(await burst(raw, round)));
  }
  const within = (value: number, floor: number): boolean => value <= 1.05 * floor;
  const [p50, rawP50, p99, rawP99] = [percentile(trackedLat, 50), percentile(rawLat, 50), percentile(trackedLat, 99), percentile(rawLat, 99)];
  return [
    { id: 'P2', label: `invoke, ${sequential} sequential (mean)`, value: trackedMs, floor: rawMs, unit: 'ms/call', goal: '≤ 1.05×', met: within(trackedMs, rawMs), floorNote: 'raw ChatOpenAI' },
    { id: 'P2', label: `${streams} concurrent streams p50`, value: p50, floor: rawP50, unit: 'ms', goal: '≤ 1.05×', met: within(p50, rawP50) },
    { id: 'P2', label: `${streams} concurrent streams p99`, value: p99, floor: rawP99, unit: 'ms', goal: '≤ 1.05×', met: within(p99, rawP99) },
    { id: 'P2', label: `${streams} concurrent streams mean`, value: mean(trackedLat), floor: mean(rawLat), unit: 'ms' },
  ];
}
