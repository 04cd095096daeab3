import type { UsageGranularity } from './usage-sql-dialect';

/**
 * How far the local estimate (M17) was from the provider's count, over the rows that hold both (issue 15). The
 * percentages are `(estimated − reported) / reported × 100`, one decimal: positive when the estimate said more than
 * the provider billed; `null` when no such row reported any tokens of that kind.
 */
export interface EstimateDrift {
  /** Rows that hold both counts. */
  rows: number;
  estimated_prompt_tokens: number;
  reported_prompt_tokens: number;
  estimated_completion_tokens: number;
  reported_completion_tokens: number;
  prompt_drift_pct: number | null;
  completion_drift_pct: number | null;
}

/** The token details every statistic adds to the seed's shape (issue 15). */
export interface TokenDetails {
  /** Prompt tokens the provider read from its cache, as it reported them. */
  cached_prompt_tokens: number;
  /** Reasoning tokens, part of `completion_tokens` (the billed count). */
  reasoning_tokens: number;
  estimate_drift: EstimateDrift;
  /**
   * USD, the sum of the costs stored on the rows when they were recorded, each with the price then in force
   * (issue 16): cached tokens at the cached price, reasoning tokens as output. Unpriced calls add nothing.
   */
  cost: number;
  /** Calls with no cost: their model had no price when they were recorded (or they used no stored model). */
  unpriced_calls: number;
}

/**
 * Token and request totals in the seed's shape (M15): plain numbers, zeros when nothing matched; with cached and
 * reasoning tokens and the estimate's drift beside them.
 */
export interface UsageSummary extends TokenDetails {
  /** The billed tokens (`billedUsage`). */
  tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Every call, including interrupted and failed ones. */
  requests: number;
  /** Calls with `success = 0`. */
  errors: number;
}

/** Which rows a summary adds up. Time bounds are half-open: `since <= created_at < until`. */
export interface UsageFilter {
  userId?: string;
  modelId?: number;
  agentName?: string;
  since?: Date;
  until?: Date;
}

/** A half-open time range, `since <= created_at < until`; either end may be left open. */
export interface UsageRange {
  since?: Date;
  until?: Date;
}

/** One model's share of a user's usage (M16 `getUserUsageStats`). */
export interface ModelUsage extends UsageSummary {
  model_id: number | null;
  /** The model's display name, or the one it had when it was deleted; `null` for calls of no stored model. */
  model_name: string | null;
  platform_name: string | null;
  /** True once the model has been deleted: the names are the ones it had then (issue 19). */
  model_deleted: boolean;
}

/** One agent's share of a user's usage (M16 `getUsageByAgent`). */
export interface AgentUsage extends UsageSummary {
  agent_name: string | null;
}

/** One user's totals, for admins. */
export interface UserUsage extends UsageSummary {
  user_id: string;
}

/** The dashboard's top users (issue 19): the first few, and how many matched the search. */
export interface TopUsers {
  matched_users: number;
  users: UserUsage[];
}

/** What a timeline covers: buckets from the one holding `since` up to `until` (default: now), in UTC. */
export interface TimelineQuery {
  granularity: UsageGranularity;
  since: Date;
  until?: Date;
}

/** One bucket of a timeline (M16 `getUsageTimeline`); `time` is `YYYY-MM-DD HH:00` or `YYYY-MM-DD`, UTC. */
export interface TimelinePoint extends TokenDetails {
  time: string;
  tokens: number;
  requests: number;
  errors: number;
}
