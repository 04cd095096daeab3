import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
import { ReloadingSnapshot } from '../common/reloading-snapshot';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { BudgetEntity, type BudgetPeriod } from './budget.entity';

/** What the call path needs of a budget; the money lives in the row and is only touched by conditional UPDATEs. */
export interface BudgetRule {
  id: number;
  userId: string;
  usageKey: string | null;
  tokenId: number | null;
  period: BudgetPeriod;
  timeZone: string;
  hard: boolean;
}

/** Who a call bills, as far as budgets care. */
export interface BudgetScope {
  userId: string;
  usageKey: string | null;
  tokenId: number | null;
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
  ) {
    this.rules = new ReloadingSnapshot(async () => {
      const rows = await dataSource
        .getRepository(BudgetEntity)
        .find({ select: { id: true, userId: true, usageKey: true, tokenId: true, period: true, timeZone: true, hard: true } });
      const byUser = new Map<string, BudgetRule[]>();
      for (const { id, userId, usageKey, tokenId, period, timeZone, hard } of rows) {
        byUser.set(userId, [...(byUser.get(userId) ?? []), { id, userId, usageKey, tokenId, period, timeZone, hard }]);
      }
      return byUser;
    });
    this.unsubscribe = changes.subscribe((change) => this.invalidate(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The budgets a call of `scope` counts against; synchronous (often `[]`) when the definitions are in memory. */
  applying(scope: BudgetScope): readonly BudgetRule[] | Promise<readonly BudgetRule[]> {
    const pick = (rules: RulesByUser): readonly BudgetRule[] => {
      const mine = rules.get(scope.userId);
      if (mine === undefined) return NONE;
      return mine.filter(
        (rule) => (rule.usageKey === null || rule.usageKey === scope.usageKey) && (rule.tokenId === null || rule.tokenId === scope.tokenId),
      );
    };
    const current = this.rules.current;
    return current ? pick(current) : this.rules.load().then(pick);
  }

  private invalidate(change: ConfigChange): void {
    if (change.kind === 'budget' || change.kind === 'all') this.rules.invalidate();
  }
}

const NONE: readonly BudgetRule[] = [];
