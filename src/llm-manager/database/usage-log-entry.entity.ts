import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { booleanIntTransformer, nullableBigintTransformer } from './json.transformer';

/** Which counts a row holds (B1): the local estimate, the provider's report, or both. */
export type UsageSource = 'estimated' | 'reported' | 'both';

/**
 * How the call ended. `error` (upstream HTTP error, network failure, stream cut by the server) and `interrupted`
 * (the process died while the call was in flight; written on the next start from the usage journal) have
 * `success = 0`; a caller that aborts or stops reading still made a billable request (the seed: 按次计费).
 */
export const USAGE_OUTCOMES = ['ok', 'error', 'aborted', 'abandoned', 'interrupted'] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

/** One row per LLM call made through a tracked model (M14), with the seed's columns. */
@Entity('usage_log_entries')
// Covers one user's statistics: the query reads the index alone, never the scattered rows (bench P5).
@Index('IDX_usage_log_entries_user_created_totals', [
  'userId',
  'createdAt',
  'modelId',
  'agentName',
  'totalTokens',
  'promptTokens',
  'completionTokens',
  'success',
  'cachedPromptTokens',
  'reasoningTokens',
  'estimatedPromptTokens',
  'reportedPromptTokens',
  'estimatedCompletionTokens',
  'reportedCompletionTokens',
  'costMicroUsd',
])
// Newest-first keyset pages of the request log (issue 19) and the purge's oldest-first chunks.
@Index('IDX_usage_log_entries_created_id', ['createdAt', 'id'])
@Index('IDX_usage_log_entries_call_id', ['callId'], { unique: true })
export class UsageLogEntryEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ name: 'model_id', type: 'integer', nullable: true })
  modelId!: number | null;

  @Column({ name: 'prompt_tokens', type: 'integer', default: 0 })
  promptTokens!: number;

  @Column({ name: 'completion_tokens', type: 'integer', default: 0 })
  completionTokens!: number;

  @Column({ name: 'total_tokens', type: 'integer', default: 0 })
  totalTokens!: number;

  /** Reasoning tokens, part of `completion_tokens` (B1). */
  @Column({ name: 'reasoning_tokens', type: 'integer', default: 0 })
  reasoningTokens!: number;

  /** Prompt tokens the provider read from its cache, as it reported them; part of `reported_prompt_tokens` (B1). */
  @Column({ name: 'cached_prompt_tokens', type: 'integer', default: 0 })
  cachedPromptTokens!: number;

  /** 1 = the call succeeded, 0 = it failed or was cut short. */
  @Column({ type: 'smallint', transformer: booleanIntTransformer })
  success!: boolean;

  /** Which counts the row holds (B1); the token columns hold the billed one (`billedUsage`). */
  @Column({ name: 'usage_source', type: 'varchar', length: 16, default: 'estimated' })
  usageSource!: UsageSource;

  @Column({ type: 'varchar', length: 16, default: 'ok' })
  outcome!: UsageOutcome;

  /** The local estimate (M17), whichever count is billed; `NULL` on rows older than this column that billed the report. */
  @Column({ name: 'estimated_prompt_tokens', type: 'integer', nullable: true })
  estimatedPromptTokens!: number | null;

  @Column({ name: 'estimated_completion_tokens', type: 'integer', nullable: true })
  estimatedCompletionTokens!: number | null;

  /** What the provider reported, when it did, whichever count is billed (B1). */
  @Column({ name: 'reported_prompt_tokens', type: 'integer', nullable: true })
  reportedPromptTokens!: number | null;

  @Column({ name: 'reported_completion_tokens', type: 'integer', nullable: true })
  reportedCompletionTokens!: number | null;

  /**
   * What the call cost, in millionths of a USD, computed when the row was recorded with the model's price then in
   * force (issue 16) and never recomputed; `NULL` = unpriced (no price, or no stored model).
   */
  @Column({ name: 'cost_micro_usd', type: 'bigint', nullable: true, transformer: nullableBigintTransformer })
  costMicroUsd!: number | null;

  /** Wall time from the request to the last byte (or the failure). */
  @Column({ name: 'latency_ms', type: 'integer', nullable: true })
  latencyMs!: number | null;

  /** 1 for a call's first request; each retry or fallback of it (issue 18) the next number. */
  @Column({ name: 'attempt', type: 'integer', default: 1 })
  attempt!: number;

  /** The `call_id` of the failed attempt this one replaced; null for a first attempt. */
  @Column({ name: 'fallback_from', type: 'varchar', length: 36, nullable: true })
  fallbackFrom!: string | null;

  @Column({ name: 'agent_name', type: 'varchar', length: 100, nullable: true })
  agentName!: string | null;

  /** The slot the call was made for (`main`, `fast`, …); `NULL` for a call of no slot and rows before issue 19. */
  @Column({ name: 'usage_key', type: 'varchar', length: 64, nullable: true })
  usageKey!: string | null;

  /** A failed call's `LlmManagerError` code (`UPSTREAM_RATE_LIMITED`, …); `NULL` otherwise. */
  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode!: string | null;

  /** A failed call's error message, shortened and with every key masked; `NULL` otherwise. */
  @Column({ name: 'error_detail', type: 'varchar', length: 300, nullable: true })
  errorDetail!: string | null;

  /**
   * Id of the call this row records (B10): unique, so replaying the usage journal or retrying a batch never writes a
   * call twice. `NULL` on rows written before the ledger had ids.
   */
  @Column({ name: 'call_id', type: 'varchar', length: 36, nullable: true })
  callId!: string | null;

  /** Time of the call, set by the caller (rows are written later, in batches). */
  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
