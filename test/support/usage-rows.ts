import type { UsageRow } from '../../src/llm-manager/usage/usage-row';

/** A usage row as the recorder hands it to the writer: zeros and nulls except what the test says. */
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
    ...fields,
  };
}
