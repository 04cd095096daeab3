import type { UsageOutcome } from '../database/usage-log-entry.entity';
import type { UsageRange } from './usage-query.types';

/** Most calls one page of the request log holds. */
export const MAX_REQUEST_LOG_PAGE = 200;
/** Calls of a page when the caller names no size. */
export const DEFAULT_REQUEST_LOG_PAGE = 50;

/** Which calls the request log lists; every field narrows, all of them together. */
export interface RequestLogFilter extends UsageRange {
  userId?: string;
  usageKey?: string;
  agentName?: string;
  /** The platform's display name, or the kept name of a deleted one. */
  platformName?: string;
  /** The model's display name, or the kept name of a deleted one. */
  modelName?: string;
  modelId?: number;
  outcome?: UsageOutcome;
}

/** One call of the request log (issue 19). */
export interface RequestLogEntry {
  id: number;
  /** ISO 8601, UTC. */
  created_at: string;
  user_id: string;
  usage_key: string | null;
  agent_name: string | null;
  model_id: number | null;
  /** The model's display name; a deleted model's kept name; `null` for a call of no stored model. */
  model_name: string | null;
  platform_name: string | null;
  /** True once the model has been deleted (its names are the ones it had then). */
  model_deleted: boolean;
  outcome: UsageOutcome;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD; `null` when the call was unpriced. */
  cost: number | null;
  latency_ms: number | null;
  /** 1 for a call's first request, more for its retries and fallbacks. */
  attempt: number;
  error_code: string | null;
  /** A failed call's message, keys masked, at most 300 characters. */
  error_detail: string | null;
}

/** One page, newest first; `next_cursor` asks for the next (older) one, `null` on the last. */
export interface RequestLogPage {
  items: RequestLogEntry[];
  next_cursor: string | null;
}
