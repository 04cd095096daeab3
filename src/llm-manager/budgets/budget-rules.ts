import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
import { ReloadingSnapshot } from '../common/reloading-snapshot';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { KeyOrigin } from '../catalogue/key-resolver';
import { AutoKeyBudgets } from './auto-key-budgets';
import { BudgetEntity, type BudgetDefaultKind, type BudgetPeriod } from './budget.entity';

/** What the call path needs of a budget; the money lives in the row and is only touched by conditional UPDATEs. */
export interface BudgetRule {
  id: number;
  userId: string;
  usageKey: string | null;
  tokenId: number | null;
  period: BudgetPeriod;
  timeZone: string;
  hard: boolean;
  /** `auto-key`: the default budget of a user spending the system's keys; `null`: set by an administrator. */
  defaultFor: BudgetDefaultKind | null;
}

/** Who a call bills, as far as budgets care. */
export interface BudgetScope {
  userId: string;
  usageKey: string | null;
  tokenId: number | null;
  /** Whose key pays: only `system-auto` (a system key lent by auto-key) is held to the auto-key default budget. */
  keyOrigin?: KeyOrigin | null;
}

type RulesByUser = ReadonlyMap<string, readonly BudgetRule[]>;

/**
 * Every budget's definition, in memory: a call whose user has none costs no query (bench P2 unchanged). Read in one
 * query, again only after a budget write here or a change relayed from another instance (`all`).
 */
@Injectable()
export class BudgetRules implements OnModuleDestroy {
  private readonly rules: ReloadingSnapshot<RulesByUser>;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) dataSource: DataSource,
    changes: ConfigChanges,
    private readonly autoKey: AutoKeyBudgets,
  ) {
    this.rules = new ReloadingSnapshot(async () => {
      const rows = await dataSource
        .getRepository(BudgetEntity)
        .find({ select: { id: true, userId: true, usageKey: true, tokenId: true, period: true, timeZone: true, hard: true, defaultFor: true } });
      const byUser = new Map<string, BudgetRule[]>();
      for (const { id, userId, usageKey, tokenId, period, timeZone, hard, defaultFor } of rows) {
        byUser.set(userId, [...(byUser.get(userId) ?? []), { id, userId, usageKey, tokenId, period, timeZone, hard, defaultFor }]);
      }
      return byUser;
    });
    this.unsubscribe = changes.subscribe((change) => this.invalidate(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * The budgets a call of `scope` counts against; synchronous (often `[]`) when the definitions are in memory. A call
   * on a system key lent by auto-key also counts against the auto-key default (created on the user's first such call),
   * unless an administrator set a budget for the whole user: that one replaces the default.
   */
  applying(scope: BudgetScope): readonly BudgetRule[] | Promise<readonly BudgetRule[]> {
    const current = this.rules.current;
    return current ? this.pick(current, scope) : this.rules.load().then((rules) => this.pick(rules, scope));
  }

  private pick(rules: RulesByUser, scope: BudgetScope): readonly BudgetRule[] | Promise<readonly BudgetRule[]> {
    const mine = rules.get(scope.userId) ?? NONE;
    const own = mine === NONE
      ? NONE
      : mine.filter((rule) => rule.defaultFor === null && (rule.usageKey === null || rule.usageKey === scope.usageKey) && (rule.tokenId === null || rule.tokenId === scope.tokenId));
    if (scope.keyOrigin !== 'system-auto' || this.autoKey.budget === null) return own;
    if (mine.some((rule) => rule.defaultFor === null && rule.usageKey === null && rule.tokenId === null)) return own;
    const stored = mine.find((rule) => rule.defaultFor === 'auto-key');
    return stored ? [...own, stored] : this.autoKey.ruleFor(scope.userId).then((rule) => [...own, rule]);
  }

  private invalidate(change: ConfigChange): void {
    if (change.kind !== 'budget' && change.kind !== 'all') return;
    this.rules.invalidate();
    this.autoKey.forget(change.kind === 'budget' ? change.userId : undefined);
  }
}

const NONE: readonly BudgetRule[] = [];
