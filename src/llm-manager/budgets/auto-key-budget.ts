import { LlmManagerError } from '../common/llm-manager.error';
import { BUDGET_PERIODS, type BudgetPeriod } from './budget.entity';
import { isKnownTimeZone } from './budget-window';

/**
 * The budget every user spending the system's keys through `autoKey` (`LLM_AUTO_KEY`) gets on first use: option
 * `autoKeyBudget`, or `auto_key_budget` in the YAML. Only calls made with a system key lent by auto-key count against
 * it; calls on the user's own key never do. An administrator's budget for the whole user (no slot, no token) replaces it.
 */
export interface AutoKeyBudget {
  /** The limit in USD per period. */
  limitUsd: number;
  period: BudgetPeriod;
  /** IANA zone of the period's calendar. Default: the `budgetTimeZone` option (`UTC`). */
  timeZone?: string;
  /** `true` (default): calls are refused at the limit; `false`: only an event and a log line. */
  hard?: boolean;
}

/** Largest limit a budget takes: a billion USD, far inside a bigint of micro-USD and a double's exact integers. */
export const MAX_LIMIT_USD = 1e9;

/** Why `value` is not an auto-key budget (the first problem, with its fix), or `null` when it is one. */
export function autoKeyBudgetProblem(value: Partial<AutoKeyBudget>): string | null {
  if (typeof value.limitUsd !== 'number' || !Number.isFinite(value.limitUsd) || value.limitUsd < 0 || value.limitUsd > MAX_LIMIT_USD) {
    return `limit must be a number of USD from 0 to ${MAX_LIMIT_USD}, e.g. 5.`;
  }
  if (!(BUDGET_PERIODS as readonly unknown[]).includes(value.period)) return `period must be one of ${BUDGET_PERIODS.join(', ')}.`;
  if (value.timeZone !== undefined && (typeof value.timeZone !== 'string' || !isKnownTimeZone(value.timeZone))) {
    return `time zone "${String(value.timeZone)}" is not an IANA time zone (e.g. UTC, Asia/Shanghai).`;
  }
  if (value.hard !== undefined && typeof value.hard !== 'boolean') return 'hard must be true or false.';
  return null;
}

/** The `autoKeyBudget` option checked and completed; `null` when none is set. Throws `CONFIG_INVALID` with the fix. */
export function resolveAutoKeyBudget(value: AutoKeyBudget | null | undefined, budgetTimeZone: string): Required<AutoKeyBudget> | null {
  if (value === null || value === undefined) return null;
  const problem = autoKeyBudgetProblem(value);
  if (problem !== null) {
    throw new LlmManagerError('CONFIG_INVALID', `The autoKeyBudget option is invalid: ${problem} Example: { limitUsd: 5, period: 'day' }.`);
  }
  return { limitUsd: value.limitUsd, period: value.period, timeZone: value.timeZone ?? budgetTimeZone, hard: value.hard ?? true };
}
