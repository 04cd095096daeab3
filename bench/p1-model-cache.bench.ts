/**
 * P1 (memory): the built-model cache stays bounded. Heap after `getUserLlm` for N distinct agent names of one user
 * (each a distinct cache key, as N users would be) against the heap once the cache first holds `modelCacheSize`
 * models: a bounded cache keeps the two equal however large N grows. Heap is measured after a full GC.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LlmBuilderService } from '../src/llm-manager/builder/llm-builder.service';
import type { BenchContext } from './context';
import type { Figure } from './stats';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function benchModelCache(ctx: BenchContext): Promise<Figure[]> {
  const distinct = ctx.quick ? 5_000 : 100_000;
  const builder = ctx.moduleRef.get(LlmBuilderService);
  const user = 'p1-cache-user';
  await ctx.manager.getUserLlm(user);
  const before = heapMb();
  let i = 0;
  // Fill the cache to its bound first: the floor is the heap of a full cache.
  for (; builder.cachedModels < 2_000 && i < distinct; i += 1) await ctx.manager.getUserLlm(user, { agentName: `agent-${i}` });
  const full = heapMb() - before;
  for (; i < distinct; i += 1) await ctx.manager.getUserLlm(user, { agentName: `agent-${i}` });
  const after = heapMb() - before;
  return [
    {
      id: 'P1', label: `model cache: heap after ${distinct} distinct agent names (cache holds ${builder.cachedModels})`,
      value: after, floor: full, unit: 'MB', goal: '≤ 1.1× a full cache (bounded)', met: after <= 1.1 * full + 1,
      floorNote: 'heap of a full cache (2000 models)',
    },
  ];
}
