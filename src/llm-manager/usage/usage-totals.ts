import type { SelectQueryBuilder } from 'typeorm';
import type { UsageLogEntryEntity } from '../database/usage-log-entry.entity';
import type { EstimateDrift, TokenDetails, UsageSummary } from './usage-query.types';

type Rows = SelectQueryBuilder<UsageLogEntryEntity>;

/** A row with both counts; named by columns of the covering index, so statistics still read the index alone. */
const BOTH = 'u.estimatedPromptTokens IS NOT NULL AND u.reportedPromptTokens IS NOT NULL';
const whenBoth = (column: string): string => `COALESCE(SUM(CASE WHEN ${BOTH} THEN ${column} ELSE 0 END), 0)`;

/** SQL alias → expression of the token details (issue 15). */
const DETAILS = {
  cached_prompt_tokens: 'COALESCE(SUM(u.cachedPromptTokens), 0)',
  reasoning_tokens: 'COALESCE(SUM(u.reasoningTokens), 0)',
  drift_rows: `COALESCE(SUM(CASE WHEN ${BOTH} THEN 1 ELSE 0 END), 0)`,
  drift_estimated_prompt: whenBoth('u.estimatedPromptTokens'),
  drift_reported_prompt: whenBoth('u.reportedPromptTokens'),
  drift_estimated_completion: whenBoth('u.estimatedCompletionTokens'),
  drift_reported_completion: whenBoth('COALESCE(u.reportedCompletionTokens, 0)'),
  cost_micro_usd: 'COALESCE(SUM(u.costMicroUsd), 0)',
  unpriced_calls: 'COALESCE(SUM(CASE WHEN u.costMicroUsd IS NULL THEN 1 ELSE 0 END), 0)',
} as const;

const SEED_TOTALS = {
  tokens: 'COALESCE(SUM(u.totalTokens), 0)',
  prompt_tokens: 'COALESCE(SUM(u.promptTokens), 0)',
  completion_tokens: 'COALESCE(SUM(u.completionTokens), 0)',
  requests: 'COUNT(*)',
  errors: 'COALESCE(SUM(CASE WHEN u.success = 0 THEN 1 ELSE 0 END), 0)',
} as const;

export type RawDetails = Partial<Record<keyof typeof DETAILS, unknown>>;
export type RawTotals = Partial<Record<keyof typeof SEED_TOTALS, unknown>> & RawDetails;

/** `query` selecting the seed's totals (M15) and the token details, as `toSummary` reads them. */
export function selectTotals(query: Rows): Rows {
  const [first, ...rest] = Object.entries(SEED_TOTALS);
  return selectDetails(rest.reduce((q, [alias, sql]) => q.addSelect(sql, alias), query.select(first[1], first[0])));
}

/** `query` with the token details added to its selection, as `toDetails` reads them. */
export function selectDetails(query: Rows): Rows {
  return Object.entries(DETAILS).reduce((q, [alias, sql]) => q.addSelect(sql, alias), query);
}

export function toSummary(raw: RawTotals | undefined): UsageSummary {
  return {
    tokens: toCount(raw?.tokens),
    prompt_tokens: toCount(raw?.prompt_tokens),
    completion_tokens: toCount(raw?.completion_tokens),
    requests: toCount(raw?.requests),
    errors: toCount(raw?.errors),
    ...toDetails(raw),
  };
}

export function toDetails(raw: RawDetails | undefined): TokenDetails {
  const drift: EstimateDrift = {
    rows: toCount(raw?.drift_rows),
    estimated_prompt_tokens: toCount(raw?.drift_estimated_prompt),
    reported_prompt_tokens: toCount(raw?.drift_reported_prompt),
    estimated_completion_tokens: toCount(raw?.drift_estimated_completion),
    reported_completion_tokens: toCount(raw?.drift_reported_completion),
    prompt_drift_pct: null,
    completion_drift_pct: null,
  };
  drift.prompt_drift_pct = driftPct(drift.estimated_prompt_tokens, drift.reported_prompt_tokens);
  drift.completion_drift_pct = driftPct(drift.estimated_completion_tokens, drift.reported_completion_tokens);
  return {
    cached_prompt_tokens: toCount(raw?.cached_prompt_tokens),
    reasoning_tokens: toCount(raw?.reasoning_tokens),
    estimate_drift: drift,
    cost: microUsdToUsd(toCount(raw?.cost_micro_usd)),
    unpriced_calls: toCount(raw?.unpriced_calls),
  };
}

/** `(estimated − reported) / reported` in percent, one decimal; `null` without a reported count to compare with. */
export function driftPct(estimated: number, reported: number): number | null {
  return reported > 0 ? Math.round(((estimated - reported) / reported) * 1000) / 10 || 0 : null;
}

/** USD from the stored integer micro-USD: the sum is exact, only this one division rounds. */
export function microUsdToUsd(micro: number): number {
  return micro / 1_000_000;
}

/** SUM and COUNT come back as numbers (SQLite), strings (PostgreSQL bigint/numeric) or decimals (MySQL). */
export function toCount(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  return 0;
}
