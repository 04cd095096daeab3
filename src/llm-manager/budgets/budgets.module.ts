import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module';
import { AutoKeyBudgets } from './auto-key-budgets';
import { BudgetEvents } from './budget-events';
import { BudgetGate } from './budget-gate';
import { BudgetRules } from './budget-rules';
import { BudgetService } from './budget.service';
import { BudgetSweep } from './budget-sweep';

/** Budgets (issue 16): limits per user, slot and token, and their enforcement on the call path. */
@Module({
  imports: [UsageModule],
  providers: [AutoKeyBudgets, BudgetService, BudgetRules, BudgetGate, BudgetEvents, BudgetSweep],
  exports: [BudgetService, BudgetGate, BudgetEvents],
})
export class BudgetsModule {}
