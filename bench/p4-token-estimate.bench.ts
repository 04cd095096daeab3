/**
 * P4: TokenEstimator.estimateMessages on a ~4k-token prompt vs baseTokenCount on the same text; longest block.
 * Measured for Qwen: a fitted family, so the estimate also classifies every o200k token (OpenAI's is the count).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { baseTokenCount } from '../src/llm-manager/usage/token-base-encoding';
import { TokenEstimator, type EstimatedMessage } from '../src/llm-manager/usage/token-estimator';
import type { BenchContext } from './context';
import { meanMs, now, percentile, type Figure } from './stats';

const FAMILY = 'qwen';

const WORDS = ['model', 'usage', 'token', 'request', 'latency', 'budget', 'stream', 'reply', 'slot', 'platform',
  'function', 'return', 'const', 'value', 'the', 'of', 'and', 'a', 'to', 'in', 'is', 'for', 'with', 'on'];

/** Deterministic English-ish prose with numbers and code-like punctuation, grown to about `tokens` tokens. */
function prompt(tokens: number): EstimatedMessage[] {
  const parts: string[] = [];
  let i = 0;
  let text = '';
  while (baseTokenCount(text) < tokens) {
    for (let k = 0; k < 200; k++, i++) parts.push(WORDS[(i * 7 + (i >> 3)) % WORDS.length] + (i % 11 === 0 ? `_${i}.` : i % 17 === 0 ? '(),' : ''));
    text = parts.join(' ');
  }
  const cut = Math.floor(text.length / 4);
  return [{ role: 'system', content: text.slice(0, cut) }, { role: 'user', content: text.slice(cut) }];
}

export async function benchTokenEstimate(ctx: BenchContext): Promise<Figure[]> {
  const iterations = ctx.quick ? 100 : 1_000;
  const messages = prompt(4_000);
  const joined = messages.map((m) => m.content);
  const estimator = new TokenEstimator();
  let total = 0;
  // Alternating rounds, median of each side: the machine is shared, and a burst of other work would otherwise land
  // on one side only.
  const rounds = 10;
  const floorRounds: number[] = [];
  const estimateRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const per = Math.ceil(iterations / rounds);
    floorRounds.push(await meanMs(per, () => (total += joined.reduce((s, t) => s + baseTokenCount(t), 0)), round === 0 ? 20 : 2));
    estimateRounds.push(await meanMs(per, () => (total += estimator.estimateMessages(messages, FAMILY)), round === 0 ? 20 : 2));
  }
  const floor = percentile(floorRounds, 50);
  const estimate = percentile(estimateRounds, 50);
  if (!(total > 0)) throw new Error('P4 counted no tokens');

  // Longest event-loop block: the synchronous estimate is one block; the histogram confirms it from the loop side.
  const longestBlock = async (body: () => unknown): Promise<number> => {
    let longest = 0;
    for (let i = 0; i < Math.min(iterations, 50); i++) {
      const t0 = now();
      body();
      longest = Math.max(longest, now() - t0);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return longest;
  };
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const longest = await longestBlock(() => estimator.estimateMessages(messages, FAMILY));
  histogram.disable();
  const floorLongest = await longestBlock(() => joined.forEach((t) => baseTokenCount(t)));
  const loopMax = histogram.max / 1e6;
  return [
    {
      id: 'P4', label: `estimateMessages (${FAMILY}), ${baseTokenCount(joined.join(''))}-token prompt (median of ${rounds} alternating rounds)`,
      value: estimate, floor, unit: 'ms',
      goal: '≤ 1.1×', met: estimate <= 1.1 * floor, floorNote: 'raw tokenizer count',
    },
    { id: 'P4', label: 'longest loop block of one estimate', value: longest, floor: floorLongest, unit: 'ms', goal: `loop delay max ${loopMax.toFixed(2)} ms` },
  ];
}
