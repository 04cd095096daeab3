import type { UsageRow } from './usage-row';

/** A model's prices in USD per 1M tokens, as stored on `llm_models`. */
export interface ModelPrice {
  inputPrice: number | null;
  /** `null`: cached prompt tokens are priced at `inputPrice`. */
  cachedInputPrice: number | null;
  outputPrice: number | null;
}

/** Whether calls on a model with these prices have a cost: both input and output must be known. */
export function isPriced(price: ModelPrice | null): price is ModelPrice & { inputPrice: number; outputPrice: number } {
  return price !== null && price.inputPrice !== null && price.outputPrice !== null;
}

/**
 * The cost of a row's billed tokens in micro-USD (USD per 1M tokens × tokens = micro-USD), rounded once:
 * `(prompt − cached) × input + cached × cached_input + completion × output`. Cached tokens are part of the prompt
 * (the OpenAI shape; clamped so a provider reporting more cached than prompt tokens never gives a negative input);
 * reasoning tokens are part of the completion and priced as output. `null` when the model is unpriced.
 */
export function costMicroUsd(
  row: Pick<UsageRow, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens'>,
  price: ModelPrice | null,
): number | null {
  if (!isPriced(price)) return null;
  const cached = Math.min(Math.max(0, row.cachedPromptTokens), Math.max(0, row.promptTokens));
  const uncached = Math.max(0, row.promptTokens) - cached;
  const cost = uncached * price.inputPrice + cached * (price.cachedInputPrice ?? price.inputPrice) + Math.max(0, row.completionTokens) * price.outputPrice;
  return Math.round(cost);
}
