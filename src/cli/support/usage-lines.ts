import type { UsageSummary } from '../../llm-manager/usage/usage-query.types';

const count = (n: number): string => n.toLocaleString('en-US');

/** USD with up to six decimals (the stored micro-USD), trailing zeros dropped: `$0.0063`, `$12.5`, `$0`. */
export function usd(cost: number): string {
  return `$${Number(cost.toFixed(6)).toString()}`;
}

/** One line of totals: tokens with the cost beside them, then requests; unpriced calls named when there are any. */
export function usageLine(label: string, s: UsageSummary): string {
  const unpriced = s.unpriced_calls > 0 ? ` (${count(s.unpriced_calls)} unpriced call${s.unpriced_calls === 1 ? '' : 's'})` : '';
  return (
    `${label}: ${count(s.tokens)} tokens (prompt ${count(s.prompt_tokens)}, cached ${count(s.cached_prompt_tokens)}, ` +
    `completion ${count(s.completion_tokens)}, reasoning ${count(s.reasoning_tokens)}), cost ${usd(s.cost)}${unpriced}, ` +
    `${count(s.requests)} request${s.requests === 1 ? '' : 's'}, ${count(s.errors)} error${s.errors === 1 ? '' : 's'}`
  );
}
