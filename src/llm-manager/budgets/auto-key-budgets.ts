import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { insertOrIgnore } from '../database/insert-or-ignore';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { UsageSqlDialect } from '../usage/usage-sql-dialect';
import { errorMessage } from '../common/error-message';
import { loadYamlConfig } from '../yaml-sync/yaml-config.loader';
import type { YamlConfig } from '../yaml-sync/yaml-config';
import { resolveAutoKeyBudget, type AutoKeyBudget } from './auto-key-budget';
import { toMicroUsd } from './budget-money';
import { BudgetEntity } from './budget.entity';
import type { BudgetRule } from './budget-rules';
import { windowStart } from './budget-window';

/**
 * The default budget of users spending the system's keys through auto-key (issue 16): its row is created on a user's
 * first such call, once, however many calls and processes race to it: an INSERT that skips a row the unique index
 * (user_id, default_for) already holds, then a read of the one stored row. No lock, no read-then-write.
 */
@Injectable()
export class AutoKeyBudgets implements OnApplicationBootstrap {
  /** The configured default; `null`: none, auto-key calls are held to the user's own budgets only. */
  readonly budget: Required<AutoKeyBudget> | null;
  /** Each user's default budget row, once created or found: concurrent first calls of this process share one. */
  private readonly rows = new Map<string, Promise<BudgetRule>>();

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) options: ResolvedLlmManagerOptions,
  ) {
    this.budget = options.autoKeyBudget !== undefined ? options.autoKeyBudget : fromYaml(options);
  }

  /**
   * Rows created under an earlier default follow the one configured now (limit, period, zone, hard). A row whose period
   * or zone changes starts the new window now: it keeps its spend when its old window began inside the new one (a day
   * becoming a month: that day's spend still counts), else starts from 0 (the ledger cannot tell which calls spent a
   * lent system key, so it cannot recount them).
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.budget === null) return;
    const { limitUsd, period, timeZone, hard } = this.budget;
    const start = windowStart(period, timeZone, this.clock.now());
    const at = UsageSqlDialect.of(this.dataSource).dateTime(start);
    const reshaped = (keepSpend: boolean) =>
      this.dataSource
        .createQueryBuilder()
        .update(BudgetEntity)
        .set({ period, timeZone, windowStart: start, ...(keepSpend ? {} : { spentMicroUsd: 0 }) })
        .where('default_for = :kind', { kind: 'auto-key' })
        .andWhere('(period <> :period OR time_zone <> :timeZone)', { period, timeZone })
        .andWhere(keepSpend ? 'window_start >= :at' : 'window_start < :at', { at })
        .execute();
    await reshaped(true);
    await reshaped(false);
    await this.dataSource.getRepository(BudgetEntity).update({ defaultFor: 'auto-key' }, { limitMicroUsd: toMicroUsd(limitUsd), hard });
  }

  /** The user's default budget as a rule, created on first use. */
  ruleFor(userId: string): Promise<BudgetRule> {
    let row = this.rows.get(userId);
    if (row === undefined) {
      row = this.createOnce(userId);
      this.rows.set(userId, row);
      row.catch(() => this.rows.delete(userId));
    }
    return row;
  }

  /** Forgets what it knows of `userId`'s row (all users when omitted): it was changed or deleted. */
  forget(userId?: string): void {
    if (userId === undefined) this.rows.clear();
    else this.rows.delete(userId);
  }

  private async createOnce(userId: string): Promise<BudgetRule> {
    const { limitUsd, period, timeZone, hard } = this.budget!;
    const repository = this.dataSource.getRepository(BudgetEntity);
    const row = {
      userId, usageKey: null, tokenId: null, limitMicroUsd: toMicroUsd(limitUsd), period, timeZone, hard,
      windowStart: windowStart(period, timeZone, this.clock.now()), spentMicroUsd: 0, reservedMicroUsd: 0, defaultFor: 'auto-key' as const,
      softAnnouncedWindow: null,
    };
    await insertOrIgnore(repository, [row]);
    const stored = await repository.findOneByOrFail({ userId, defaultFor: 'auto-key' });
    return {
      id: stored.id, userId, usageKey: null, tokenId: null, period: stored.period, timeZone: stored.timeZone, hard: stored.hard, defaultFor: 'auto-key',
    };
  }
}

/** `auto_key_budget` of the YAML file, when there is one (a YAML-less host has no default). */
function fromYaml(options: ResolvedLlmManagerOptions): Required<AutoKeyBudget> | null {
  if (!existsSync(options.configPath)) return null;
  let config: YamlConfig;
  try {
    config = loadYamlConfig(options.configPath);
  } catch (error) {
    // A broken file must not stop the start (the console shows its error where it belongs, issue 19); the YAML sync
    // reports it too. Until it is fixed no default applies, and the log says so.
    new Logger(AutoKeyBudgets.name).error(
      `auto_key_budget of ${options.configPath} not read, so no default budget holds auto-key users until the file is fixed and the server restarted: ${errorMessage(error)}`,
    );
    return null;
  }
  return resolveAutoKeyBudget(config.autoKeyBudget, options.budgetTimeZone);
}
