import { LlmManagerError } from '../common/llm-manager.error';
import type { BudgetEntity } from './budget.entity';
import { toUsd } from './budget-money';
import { windowEnd, windowStart } from './budget-window';

const usd = (micro: number): string => `$${toUsd(micro).toFixed(6).replace(/0{1,4}$/, '')}`;

/**
 * `BUDGET_EXCEEDED` (HTTP 402): what was spent, the limit and when it resets, and what to do next. `row` is the budget
 * as read after the refusal; a window that ended since counts as empty.
 */
export function budgetExceeded(row: BudgetEntity, estimateMicroUsd: number, now: Date): LlmManagerError {
  const current = windowStart(row.period, row.timeZone, now);
  const spent = row.windowStart.getTime() < current.getTime() ? 0 : row.spentMicroUsd;
  const resetsAt = windowEnd(row.period, row.timeZone, now);
  const scope = [row.usageKey === null ? null : `slot "${row.usageKey}"`, row.tokenId === null ? null : `API token ${row.tokenId}`]
    .filter((part) => part !== null)
    .join(', ');
  const resets = resetsAt === null ? 'It does not reset (period total).' : `It resets at ${resetsAt.toISOString()} (${row.timeZone}).`;
  return new LlmManagerError(
    'BUDGET_EXCEEDED',
    `Budget exceeded for user "${row.userId}"${scope ? ` (${scope})` : ''}: spent ${usd(spent)} of ${usd(row.limitMicroUsd)} this ${row.period}` +
      `${row.reservedMicroUsd > 0 ? `, ${usd(row.reservedMicroUsd)} held by calls in flight` : ''}; this call needs about ${usd(estimateMicroUsd)}. ` +
      `${resets} Ask an administrator to raise it (PUT /api/ai/admin/budgets).`,
    {
      details: {
        budgetId: row.id,
        period: row.period,
        spentUsd: toUsd(spent),
        reservedUsd: toUsd(row.reservedMicroUsd),
        limitUsd: toUsd(row.limitMicroUsd),
        estimateUsd: toUsd(estimateMicroUsd),
        resetsAt: resetsAt?.toISOString() ?? null,
      },
    },
  );
}
