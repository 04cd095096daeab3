import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
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
  private rules: RulesByUser | null = null;
  private loading: Promise<RulesByUser> | null = null;
  private generation = 0;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    changes: ConfigChanges,
  ) {
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
    return this.rules ? pick(this.rules) : this.load().then(pick);
  }

  private load(): Promise<RulesByUser> {
    if (this.loading) return this.loading;
    const generation = this.generation;
    const read = this.dataSource
      .getRepository(BudgetEntity)
      .find({ select: { id: true, userId: true, usageKey: true, tokenId: true, period: true, timeZone: true, hard: true } })
      .then((rows) => {
        const byUser = new Map<string, BudgetRule[]>();
        for (const { id, userId, usageKey, tokenId, period, timeZone, hard } of rows) {
          const list = byUser.get(userId) ?? [];
          list.push({ id, userId, usageKey, tokenId, period, timeZone, hard });
          byUser.set(userId, list);
        }
        if (generation === this.generation) this.rules = byUser;
        return byUser;
      })
      .finally(() => {
        if (this.loading === read) this.loading = null;
      });
    this.loading = read;
    return read;
  }

  private invalidate(change: ConfigChange): void {
    if (change.kind !== 'budget' && change.kind !== 'all') return;
    this.generation += 1;
    this.rules = null;
    this.loading = null;
  }
}

const NONE: readonly BudgetRule[] = [];
