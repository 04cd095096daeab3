import type { BudgetHold } from '../budgets/budget-gate';
import type { RateLimitHold } from '../rate-limits/rate-limit-store';

/** What an admitted call holds until it ends: its budgets' reservation and its rate limits' counts and leases. */
export interface CallHold {
  readonly budget: BudgetHold | null;
  readonly limits: RateLimitHold | null;
  /** The prompt's estimated tokens when admission counted them: the usage row reuses them. */
  readonly promptTokens: Promise<number> | null;
}
