import type { BudgetEntity } from './budget.entity';
import { toUsd } from './budget-money';
import type { BudgetView } from './budget.types';
import { windowEnd, windowStart } from './budget-window';

/** Where a budget stands at `now`: a window that has ended shows as the new, empty one. */
export function budgetView(row: BudgetEntity, now: Date): BudgetView {
  const start = windowStart(row.period, row.timeZone, now);
  const spent = row.windowStart.getTime() < start.getTime() ? 0 : row.spentMicroUsd;
  const resetsAt = windowEnd(row.period, row.timeZone, now);
  return {
    id: row.id,
    userId: row.userId,
    usageKey: row.usageKey,
    tokenId: row.tokenId,
    limitUsd: toUsd(row.limitMicroUsd),
    period: row.period,
    timeZone: row.timeZone,
    hard: row.hard,
    windowStart: start.toISOString(),
    resetsAt: resetsAt?.toISOString() ?? null,
    spentUsd: toUsd(spent),
    reservedUsd: toUsd(row.reservedMicroUsd),
    remainingUsd: toUsd(Math.max(0, row.limitMicroUsd - spent - row.reservedMicroUsd)),
    defaultFor: row.defaultFor ?? null,
  };
}
