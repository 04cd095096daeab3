import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, type SelectQueryBuilder } from 'typeorm';
import { ConfigChanges } from '../common/config-changes';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { TransactionTurns } from '../database/transaction-turns';
import { UsageLedger } from '../usage/usage-ledger';
import { UsageQueryService } from '../usage/usage-query.service';
import { UsageSqlDialect } from '../usage/usage-sql-dialect';
import { UsageLogEntryEntity } from '../database/usage-log-entry.entity';
import { BUDGET_PERIODS, BudgetEntity } from './budget.entity';
import { MAX_LIMIT_USD } from './auto-key-budget';
import { toMicroUsd } from './budget-money';
import { BudgetGate } from './budget-gate';
import { budgetView } from './budget-view';
import type { BudgetInput, BudgetView, SpendView } from './budget.types';
import { isKnownTimeZone, windowStart } from './budget-window';


/** Which budget a scope names: a user's, a slot's of a user, or an API token's. */
type BudgetScopeKeys = { userId: string; usageKey: string | null; tokenId: number | null };

/** Budgets as data (issue 16): set, list, delete; and what a user spent, from the ledger. Enforcement is BudgetGate's. */
@Injectable()
export class BudgetService {
  private readonly turns: TransactionTurns;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly usage: UsageQueryService,
    private readonly ledger: UsageLedger,
    private readonly gate: BudgetGate,
    private readonly clock: Clock,
    private readonly changes: ConfigChanges,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {
    this.turns = TransactionTurns.of(dataSource);
  }

  /**
   * Creates or replaces the budget of (user, slot, token). A new budget, or a new period or zone, starts its window with
   * what the ledger says was spent in it already (see spentInWindow), so setting or reshaping a budget never forgives
   * spend: a month budget set on the 20th counts the month's calls so far.
   *
   * An existing budget is changed by one UPDATE of the columns the input sets, never by writing back a row read
   * earlier: calls keep reserving and settling on it meanwhile (`reserved_micro_usd`, and `spent_micro_usd` outside a
   * reshape, are theirs). A reshape sets the spend from the ledger in the same statement.
   */
  async setBudget(input: BudgetInput): Promise<BudgetView> {
    const valid = this.validated(input);
    const repository = this.dataSource.getRepository(BudgetEntity);
    const existing = await repository.findOneBy({
      userId: valid.userId,
      usageKey: valid.usageKey === null ? IsNull() : valid.usageKey,
      tokenId: valid.tokenId === null ? IsNull() : valid.tokenId,
      defaultFor: IsNull(),
    });
    const start = windowStart(valid.period, valid.timeZone, this.clock.now());
    const reshaped = !existing || existing.period !== valid.period || existing.timeZone !== valid.timeZone;
    if (reshaped) {
      // The ledger is read as the spend: this process's calls that ended are written, and those that counted on this
      // budget settled, first, so none is missed (settled, row still queued) or counted twice (row written,
      // settlement still to come). Only what runs now is waited for, never calls that start meanwhile.
      await this.ledger.flush();
      if (existing) {
        await this.gate.whenSettled(existing.id);
        // Calls that ended while the first flush ran: their rows too (their settlements are then in the ledger's sum).
        await this.ledger.flush();
      }
    }
    const limits = { limitMicroUsd: toMicroUsd(valid.limitUsd), hard: valid.hard, period: valid.period, timeZone: valid.timeZone };
    const id = await this.turns.run(async () => {
      if (!existing) {
        const spent = await this.spentInWindow(valid, start);
        const inserted = await repository.insert({ ...valid, ...limits, windowStart: start, spentMicroUsd: spent, reservedMicroUsd: 0 });
        return Number(inserted.identifiers[0]!['id']);
      }
      const spent = reshaped ? this.spentQuery(valid, start) : null;
      const changes = reshaped ? { ...limits, windowStart: start, spentMicroUsd: spent === null ? 0 : () => `(${spent.getQuery()})` } : limits;
      await this.dataSource
        .createQueryBuilder()
        .update(BudgetEntity)
        .set(changes)
        .where('id = :id', { id: existing.id })
        .setParameters(spent?.getParameters() ?? {})
        .execute();
      return existing.id;
    });
    this.changes.publish({ kind: 'budget', userId: valid.userId });
    return this.view(await repository.findOneByOrFail({ id }));
  }

  /**
   * The cost of the rows recorded since `from` for the budget's scope: the user's, or the user's on one slot (rows keep
   * their slot since the request-log migration; older ones have none). Rows do not name the API token, so a token's
   * budget starts from 0. Another instance's calls still in its writer's queue (up to `flushIntervalMs`) are not counted.
   */
  private async spentInWindow(scope: BudgetScopeKeys, from: Date): Promise<number> {
    const query = this.spentQuery(scope, from);
    if (query === null) return 0;
    const result = await query.getRawOne<{ spent: string | number | null }>();
    return Number(result?.spent ?? 0);
  }

  /** The SELECT of spentInWindow; `null` for a token's budget (rows do not name the token). */
  private spentQuery(scope: BudgetScopeKeys, from: Date): SelectQueryBuilder<UsageLogEntryEntity> | null {
    if (scope.tokenId !== null) return null;
    const query = this.dataSource
      .getRepository(UsageLogEntryEntity)
      .createQueryBuilder('row')
      .select('COALESCE(SUM(row.costMicroUsd), 0)', 'spent')
      .where('row.userId = :spentUserId', { spentUserId: scope.userId })
      .andWhere('row.createdAt >= :spentFrom', { spentFrom: UsageSqlDialect.of(this.dataSource).dateTime(from) });
    if (scope.usageKey !== null) query.andWhere('row.usageKey = :spentUsageKey', { spentUsageKey: scope.usageKey });
    return query;
  }

  /** Every budget of the user, with where its current window stands. */
  async getBudgets(userId: string): Promise<BudgetView[]> {
    const rows = await this.dataSource.getRepository(BudgetEntity).find({ where: { userId }, order: { id: 'ASC' } });
    return rows.map((row) => this.view(row));
  }

  /** Every budget, for administrators. */
  async listAll(): Promise<BudgetView[]> {
    const rows = await this.dataSource.getRepository(BudgetEntity).find({ order: { userId: 'ASC', id: 'ASC' } });
    return rows.map((row) => this.view(row));
  }

  async deleteBudget(id: number): Promise<void> {
    const repository = this.dataSource.getRepository(BudgetEntity);
    const row = await repository.findOneBy({ id });
    if (!row) throw new LlmManagerError('NOT_FOUND', `No budget ${id}. List them with GET /api/ai/admin/budgets.`);
    await repository.delete({ id });
    this.changes.publish({ kind: 'budget', userId: row.userId });
  }

  /** What the user spent since `since` (default: all time): the sum of the costs stored on the usage rows. */
  async getSpend(userId: string, since?: Date): Promise<SpendView> {
    const totals = await this.usage.summary({ userId, since });
    return { userId, since: since?.toISOString() ?? null, spentUsd: totals.cost, unpricedCalls: totals.unpriced_calls };
  }

  /** Where a budget stands now. */
  view(row: BudgetEntity): BudgetView {
    return budgetView(row, this.clock.now());
  }

  private validated(input: BudgetInput): Required<Omit<BudgetInput, 'usageKey' | 'tokenId'>> & { usageKey: string | null; tokenId: number | null } {
    const fail = (message: string): never => {
      throw new LlmManagerError('VALIDATION_FAILED', message);
    };
    if (typeof input.userId !== 'string' || input.userId.length === 0 || input.userId.length > 64) fail('userId must be 1 to 64 characters.');
    if (!Number.isFinite(input.limitUsd) || input.limitUsd < 0 || input.limitUsd > MAX_LIMIT_USD) {
      fail(`limitUsd must be a number of USD from 0 to ${MAX_LIMIT_USD}.`);
    }
    if (!(BUDGET_PERIODS as readonly string[]).includes(input.period)) fail(`period must be one of ${BUDGET_PERIODS.join(', ')}.`);
    const timeZone = input.timeZone ?? this.options.budgetTimeZone;
    if (!isKnownTimeZone(timeZone)) fail(`timeZone "${timeZone}" is not an IANA time zone (e.g. UTC, Asia/Shanghai).`);
    const usageKey = input.usageKey ?? null;
    if (usageKey !== null && (usageKey.length === 0 || usageKey.length > 64)) fail('usageKey must be 1 to 64 characters.');
    const tokenId = input.tokenId ?? null;
    if (tokenId !== null && (!Number.isInteger(tokenId) || tokenId < 1)) fail('tokenId must be a positive integer.');
    return { userId: input.userId, usageKey, tokenId, limitUsd: input.limitUsd, period: input.period, timeZone, hard: input.hard ?? true };
  }
}
