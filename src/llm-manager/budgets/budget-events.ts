import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import type { BudgetView } from './budget.types';

/** A soft budget's window reached its limit (spent + reserved): announced once per budget and window, by one instance of all that share the database. */
export interface BudgetSoftLimitReached {
  type: 'budget.soft_limit_reached';
  budget: BudgetView;
  /** The call that reached it. */
  estimateUsd: number;
  at: Date;
}

/** A hard budget refused a call (`BUDGET_EXCEEDED`) before it left. */
export interface BudgetCallRefused {
  type: 'budget.call_refused';
  budget: BudgetView;
  /** What the refused call would have reserved. */
  estimateUsd: number;
  at: Date;
}

/** What a host can subscribe to with `LlmManagerService.onBudgetEvent(listener)`. */
export type BudgetEvent = BudgetSoftLimitReached | BudgetCallRefused;

export type BudgetEventListener = (event: BudgetEvent) => void;

/**
 * The in-process bus of budget events. Listeners run synchronously and must not throw: one that does is logged and
 * the others still run; the call goes on (or is refused) regardless. A refusal is announced by the instance that refused
 * the call; a soft limit by the one instance whose call found its window full first (the database picks it).
 */
@Injectable()
export class BudgetEvents {
  private readonly logger = new Logger('Budgets');
  private readonly listeners = new Set<BudgetEventListener>();

  subscribe(listener: BudgetEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: BudgetEvent): void {
    const { budget } = event;
    const scope = `budget ${budget.id} of user "${budget.userId}" (${budget.period}, limit $${budget.limitUsd})`;
    if (event.type === 'budget.soft_limit_reached') {
      this.logger.warn(`Soft limit reached: ${scope} has spent $${budget.spentUsd} with $${budget.reservedUsd} in flight.`);
    } else {
      this.logger.log(`Call refused: ${scope} has $${budget.remainingUsd} left; the call needed about $${event.estimateUsd}.`);
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`A budget event listener threw; the others still ran. ${errorMessage(error)}`);
      }
    }
  }
}
