import type { UsageOutcome, UsageSource } from '../database/usage-log-entry.entity';
import type { Clock } from './clock';
import { ERROR_CODE_LENGTH, safeErrorDetail } from './error-detail';
import type { ReportedTokens } from './journal-records';

/** One LLM call as the writer records it: the columns of `usage_log_entries` except `id` (M14, B1). */
export interface UsageRow {
  /** Unique id of the call (B10); `null` for rows made by hand, which are never deduplicated. */
  callId: string | null;
  userId: string;
  /** `null` when the call did not go through a stored model. */
  modelId: number | null;
  /** The billed counts (`billedUsage`): the provider's when billed as reported and sent, else the estimate. */
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Part of `completionTokens`, from the same count. */
  reasoningTokens: number;
  /** Prompt tokens the provider read from its cache, as it reported them (part of its prompt count); 0 if none. */
  cachedPromptTokens: number;
  /** `false` only when the call failed (`outcome: 'error'`); aborted calls still succeeded as requests. */
  success: boolean;
  /** Which counts the row holds: the estimate, the provider's, or both (then `estimate_drift` can compare them). */
  usageSource: UsageSource;
  outcome: UsageOutcome;
  estimatedPromptTokens: number | null;
  estimatedCompletionTokens: number | null;
  reportedPromptTokens: number | null;
  reportedCompletionTokens: number | null;
  latencyMs: number | null;
  /** 1 for a call's first request, then one more per retry or fallback (issue 18); absent: 1. */
  attempt?: number;
  /** The `callId` of the failed attempt this one replaced; absent: none. */
  fallbackFrom?: string | null;
  agentName: string | null;
  /** The slot the call was made for (issue 19); absent: none. */
  usageKey?: string | null;
  /** A failed call's error code (`UPSTREAM_RATE_LIMITED`, …); absent: none. */
  errorCode?: string | null;
  /** A failed call's message, keys masked (`safeErrorDetail`); absent: none. */
  errorDetail?: string | null;
  /**
   * Micro-USD, set by the ledger when it records the row (issue 16); `null` = unpriced. Absent on a row not yet
   * priced: the ledger prices it with the model's price in force.
   */
  costMicroUsd?: number | null;
  /** When the call was made; rows are written later, in batches. */
  createdAt: Date;
}

/** Database column of every `UsageRow` field; a `Record` so a new field cannot be forgotten here. */
export const USAGE_ROW_COLUMNS: Readonly<Record<keyof UsageRow, string>> = {
  callId: 'call_id',
  userId: 'user_id',
  modelId: 'model_id',
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  totalTokens: 'total_tokens',
  reasoningTokens: 'reasoning_tokens',
  cachedPromptTokens: 'cached_prompt_tokens',
  success: 'success',
  usageSource: 'usage_source',
  outcome: 'outcome',
  estimatedPromptTokens: 'estimated_prompt_tokens',
  estimatedCompletionTokens: 'estimated_completion_tokens',
  reportedPromptTokens: 'reported_prompt_tokens',
  reportedCompletionTokens: 'reported_completion_tokens',
  latencyMs: 'latency_ms',
  attempt: 'attempt',
  fallbackFrom: 'fallback_from',
  agentName: 'agent_name',
  usageKey: 'usage_key',
  errorCode: 'error_code',
  errorDetail: 'error_detail',
  costMicroUsd: 'cost_micro_usd',
  createdAt: 'created_at',
};

/** Field order of the multi-row INSERT. */
export const USAGE_ROW_KEYS = Object.keys(USAGE_ROW_COLUMNS) as ReadonlyArray<keyof UsageRow>;

const OUTCOMES: ReadonlySet<UsageOutcome> = new Set<UsageOutcome>(['ok', 'error', 'aborted', 'abandoned', 'interrupted']);
const SOURCES: ReadonlySet<UsageSource> = new Set<UsageSource>(['estimated', 'reported', 'both']);
const CALL_ID_LENGTH = 36;
const MAX_INT = 2_147_483_647;
const USER_ID_LENGTH = 64;
const AGENT_NAME_LENGTH = 100;
const USAGE_KEY_LENGTH = 64;

/**
 * A copy of `row` that every engine accepts. One row the database rejects would block its whole batch behind it
 * forever, so values are clamped to the column types here, on the way in, instead of failing later.
 */
export function normaliseUsageRow(row: UsageRow, clock: Clock): UsageRow {
  return {
    callId: typeof row.callId === 'string' && row.callId !== '' ? row.callId.slice(0, CALL_ID_LENGTH) : null,
    userId: String(row.userId).slice(0, USER_ID_LENGTH),
    modelId: nullableCount(row.modelId),
    promptTokens: count(row.promptTokens),
    completionTokens: count(row.completionTokens),
    totalTokens: count(row.totalTokens),
    reasoningTokens: count(row.reasoningTokens),
    cachedPromptTokens: count(row.cachedPromptTokens),
    success: row.success === true,
    usageSource: SOURCES.has(row.usageSource) ? row.usageSource : 'estimated',
    outcome: OUTCOMES.has(row.outcome) ? row.outcome : row.success === true ? 'ok' : 'error',
    estimatedPromptTokens: nullableCount(row.estimatedPromptTokens),
    estimatedCompletionTokens: nullableCount(row.estimatedCompletionTokens),
    reportedPromptTokens: nullableCount(row.reportedPromptTokens),
    reportedCompletionTokens: nullableCount(row.reportedCompletionTokens),
    latencyMs: nullableCount(row.latencyMs),
    attempt: Math.max(1, count(row.attempt ?? 1)),
    fallbackFrom: typeof row.fallbackFrom === 'string' && row.fallbackFrom !== '' ? row.fallbackFrom.slice(0, CALL_ID_LENGTH) : null,
    agentName:
      row.agentName === null || row.agentName === undefined ? null : String(row.agentName).slice(0, AGENT_NAME_LENGTH),
    usageKey: optionalText(row.usageKey, USAGE_KEY_LENGTH),
    errorCode: optionalText(row.errorCode, ERROR_CODE_LENGTH),
    // Masked again here: whatever path built the row, a key never reaches the table.
    errorDetail: typeof row.errorDetail === 'string' && row.errorDetail !== '' ? safeErrorDetail(row.errorDetail) : null,
    costMicroUsd:
      typeof row.costMicroUsd === 'number' && Number.isFinite(row.costMicroUsd)
        ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round(row.costMicroUsd)))
        : null,
    createdAt: row.createdAt instanceof Date && !Number.isNaN(row.createdAt.getTime()) ? row.createdAt : clock.now(),
  };
}

/** Estimated tokens of one call; `reasoning` is part of `completion`. */
export interface EstimatedTokens {
  prompt: number;
  completion: number;
  reasoning: number;
}

type TokenFields = Pick<
  UsageRow,
  | 'promptTokens'
  | 'completionTokens'
  | 'totalTokens'
  | 'reasoningTokens'
  | 'cachedPromptTokens'
  | 'usageSource'
  | 'estimatedPromptTokens'
  | 'estimatedCompletionTokens'
  | 'reportedPromptTokens'
  | 'reportedCompletionTokens'
>;

/**
 * The token columns of a call's row: both counts side by side, and the billed one in the seed's columns. Billing
 * `reported` falls back to the estimate row by row, for calls whose provider sent no usage (B1).
 */
export function billedTokens(billedUsage: 'estimated' | 'reported', estimated: EstimatedTokens, reported: ReportedTokens | null): TokenFields {
  const billed = billedUsage === 'reported' && reported !== null ? reported : estimated;
  return {
    promptTokens: billed.prompt,
    completionTokens: billed.completion,
    totalTokens: billed.prompt + billed.completion,
    reasoningTokens: billed.reasoning,
    cachedPromptTokens: reported?.cachedPrompt ?? 0,
    usageSource: reported === null ? 'estimated' : 'both',
    estimatedPromptTokens: estimated.prompt,
    estimatedCompletionTokens: estimated.completion,
    reportedPromptTokens: reported?.prompt ?? null,
    reportedCompletionTokens: reported?.completion ?? null,
  };
}

function count(value: number): number {
  return Number.isFinite(value) ? Math.min(MAX_INT, Math.max(0, Math.round(value))) : 0;
}

function optionalText(value: string | null | undefined, length: number): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, length) : null;
}

function nullableCount(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : count(value);
}
