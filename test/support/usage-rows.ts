import type { UsageRow } from '../../src/llm-manager/usage/usage-row';

/** A usage row as the ledger hands it to the writer (priced, at $0): zeros and nulls except what the test says. */
export function usageRow(fields: Partial<UsageRow> & Pick<UsageRow, 'userId' | 'createdAt'>): UsageRow {
  return {
    callId: null,
    modelId: null,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    reasoningTokens: 0,
    cachedPromptTokens: 0,
    success: true,
    usageSource: 'estimated',
    outcome: 'ok',
    estimatedPromptTokens: null,
    estimatedCompletionTokens: null,
    reportedPromptTokens: null,
    reportedCompletionTokens: null,
    latencyMs: null,
    agentName: null,
    costMicroUsd: 0,
    ...fields,
  };
}

/**
 * The token details (issues 15, 16) of statistics over rows with no cached, reasoning or provider-reported tokens,
 * priced at $0.
 */
export const NO_TOKEN_DETAILS = {
  cached_prompt_tokens: 0,
  reasoning_tokens: 0,
  estimate_drift: {
    rows: 0,
    estimated_prompt_tokens: 0,
    reported_prompt_tokens: 0,
    estimated_completion_tokens: 0,
    reported_completion_tokens: 0,
    prompt_drift_pct: null,
    completion_drift_pct: null,
  },
  cost: 0,
  unpriced_calls: 0,
};
