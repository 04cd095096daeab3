import type { UsageGranularity } from './usage-sql-dialect';

/** Token and request totals in the seed's shape (M15): plain numbers, zeros when nothing matched. */
export interface UsageSummary {
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
  /** The model's display name; `null` once the model has been deleted. */
  model_name: string | null;
  platform_name: string | null;
}

/** One agent's share of a user's usage (M16 `getUsageByAgent`). */
export interface AgentUsage extends UsageSummary {
  agent_name: string | null;
}

/** One user's totals, for admins. */
export interface UserUsage extends UsageSummary {
  user_id: string;
}

/** What a timeline covers: buckets from the one holding `since` up to `until` (default: now), in UTC. */
export interface TimelineQuery {
  granularity: UsageGranularity;
  since: Date;
  until?: Date;
}

/** One bucket of a timeline (M16 `getUsageTimeline`); `time` is `YYYY-MM-DD HH:00` or `YYYY-MM-DD`, UTC. */
export interface TimelinePoint {
  time: string;
  tokens: number;
  requests: number;
  errors: number;
}
