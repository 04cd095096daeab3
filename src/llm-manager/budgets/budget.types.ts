import type { BudgetDefaultKind, BudgetPeriod } from './budget.entity';

/** What `LlmManagerService.setBudget` takes. One budget per (user, slot, token): setting it again replaces it. */
export interface BudgetInput {
  userId: string;
  /** Only this slot's calls count; omitted: every slot. */
  usageKey?: string | null;
  /** Only calls made with this API token count; omitted: every call. */
  tokenId?: number | null;
  /** The limit in USD per period; 0 refuses every priced call (hard budgets). */
  limitUsd: number;
  period: BudgetPeriod;
  /** IANA zone of the period's calendar. Default: the `budgetTimeZone` option (`UTC`). */
  timeZone?: string;
  /** `true` (default): calls are refused at the limit; `false`: a soft limit, only an event and a log line. */
  hard?: boolean;
}

/** A budget and where its current window stands, in USD. */
export interface BudgetView {
  id: number;
  userId: string;
  usageKey: string | null;
  tokenId: number | null;
  limitUsd: number;
  period: BudgetPeriod;
  timeZone: string;
  hard: boolean;
  /** The current window's start (ISO); the epoch for `total`. */
  windowStart: string;
  /** When the spend resets (ISO); `null` for `total`. */
  resetsAt: string | null;
  /** Cost of the calls counted in this window. */
  spentUsd: number;
  /** Estimated cost of the calls admitted and not yet counted. */
  reservedUsd: number;
  /** `limitUsd − spentUsd − reservedUsd`, never below 0. */
  remainingUsd: number;
  /** `auto-key`: created on first use from the `autoKeyBudget` default; `null`: set by an administrator. */
  defaultFor: BudgetDefaultKind | null;
}

/** What a user spent since a point in time, from the usage ledger (every row's stored cost). */
export interface SpendView {
  userId: string;
  /** ISO; `null` = all time. */
  since: string | null;
  spentUsd: number;
  /** Calls with no cost: their model had no price. */
  unpricedCalls: number;
}
