import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { databaseFailure } from '../database/database-failure';
import { TransactionTurns } from '../database/transaction-turns';
import { errorMessage } from '../common/error-message';
import { Clock } from '../usage/clock';
import { UsageSqlDialect } from '../usage/usage-sql-dialect';
import { BudgetReservationEntity } from './budget-reservation.entity';
import { BudgetEntity } from './budget.entity';
import { BudgetEvents } from './budget-events';
import { toUsd } from './budget-money';
import { budgetExceeded } from './budget-refusal';
import { budgetView } from './budget-view';
import { BudgetReserveStatement, type ReserveInput } from './budget-reserve-statement';
import { BudgetRules, type BudgetRule, type BudgetScope } from './budget-rules';
import { windowEnd, windowStart } from './budget-window';

/** What an admitted call holds until its cost is known: its share of each budget it counts against. */
export interface BudgetHold {
  readonly callId: string;
  readonly budgetIds: readonly number[];
  readonly amountMicroUsd: number;
  /**
   * When the call was admitted (bound for the database), as its usage row is dated: its cost counts on a budget whose
   * window had begun by then, not on one whose window began later (the window rolled over, or the budget was reshaped).
   */
  readonly admittedAt: string;
  /** When its reservation expires (epoch ms): past it the sweep may release it, and a settlement stops retrying. */
  readonly expiresAtMs: number;
}

/** A settlement the database refused is tried again after this long, doubling up to SETTLE_RETRY_MAX_MS. */
const SETTLE_RETRY_MS = 250;
const SETTLE_RETRY_MAX_MS = 5_000;
/** Attempts at most (about five minutes), whatever the clock says: a reservation's expiry bounds them first in practice. */
const SETTLE_ATTEMPTS = 60;

/** This process, as the owner of its reservations: the sweep of another process may release them once expired. */
const PROCESS_OWNER = `${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * Enforcement (issue 16). Before a call leaves, its estimated cost is reserved on every budget it counts against,
 * each conditionally (`spent + reserved + estimate <= limit`, the affected row count decides, never a read then a
 * write) together with its reservation row: one statement on PostgreSQL, SQLite and MariaDB (BudgetReserveStatement), in
 * one transaction when several budgets apply or on MySQL. A hard budget that has no room refuses the call with
 * `BUDGET_EXCEEDED` and nothing is reserved. When the call's row is counted, `settle` moves the reservation to the
 * actual cost, charged to the window the call was admitted in. A budget whose window ended starts its new window
 * inside the reserving statement.
 */
@Injectable()
export class BudgetGate {
  private readonly logger = new Logger('Budgets');
  private readonly dialect: UsageSqlDialect;
  private readonly statement: BudgetReserveStatement;
  /** Each budget's current window, so the call path skips the calendar arithmetic until the window ends. */
  private readonly windows = new Map<number, { period: string; timeZone: string; from: number; until: number; start: string }>();
  /** Settlements under way in this process, with their holds: what a reshaped budget waits for before it reads the ledger. */
  private readonly settling = new Map<Promise<void>, BudgetHold>();
  /** Shutdown: a settlement the database refuses is not tried again (its reservation expires instead). */
  private closing = false;
  /** Settlements waiting to try again: shutdown wakes them for their last attempt. */
  private readonly waiting = new Set<() => void>();

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly rules: BudgetRules,
    private readonly clock: Clock,
    private readonly events: BudgetEvents,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly turns: TransactionTurns,
  ) {
    this.dialect = UsageSqlDialect.of(dataSource);
    this.statement = BudgetReserveStatement.of(dataSource);
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    return this.turns.run(work);
  }

  /**
   * `null`, synchronously, when no budget applies (the common case: no query, no promise). Otherwise reserves
   * `estimate()` micro-USD (`null` = unpriced model: nothing to hold) and resolves to the hold, or rejects with
   * `BUDGET_EXCEEDED`.
   */
  admit(scope: BudgetScope, estimate: () => Promise<number | null>): null | Promise<BudgetHold | null> {
    const applying = this.rules.applying(scope);
    if (Array.isArray(applying) && applying.length === 0) return null;
    return this.reserve(applying, estimate);
  }

  /**
   * Moves a hold to the call's actual cost (`null` = unpriced: 0); off the call path, when the row is counted. The
   * cost counts where the call's usage row (dated when it started) does: a call that started at 23:59:59 on a daily
   * budget and ends after midnight counts in the old day, and the new day starts empty; a call in flight while its
   * budget is reshaped counts in the new window if it started in it.
   */
  settle(hold: BudgetHold, costMicroUsd: number | null): Promise<void> {
    const job = this.settleNow(hold, costMicroUsd).finally(() => this.settling.delete(job));
    this.settling.set(job, hold);
    return job;
  }

  /** Resolves once the settlements on budget `budgetId` under way now have ended (failed ones included); not later ones. */
  async whenSettled(budgetId: number): Promise<void> {
    const now = [...this.settling].filter(([, hold]) => hold.budgetIds.includes(budgetId)).map(([job]) => job);
    await Promise.allSettled(now);
  }

  /** Shutdown has begun: settlements the database refuses from now on give up rather than wait for it. */
  stopRetrying(): void {
    this.closing = true;
    for (const wake of this.waiting) wake();
  }

  /**
   * A database that is down or busy (DATABASE_UNAVAILABLE, DATABASE_BUSY) does not lose the call's cost: the
   * settlement is tried again with backoff until it lands, until its reservation expires (the sweep's turn then), or
   * until shutdown. A retry charges the cost only if it is the one that releases the reservation: a first attempt
   * whose commit went through unacknowledged has released it already, and must not be charged twice.
   */
  private async settleNow(hold: BudgetHold, costMicroUsd: number | null): Promise<void> {
    const actual = Math.max(0, costMicroUsd ?? 0);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.settleOnce(hold, actual, attempt === 1);
        return;
      } catch (error) {
        const wait = Math.min(SETTLE_RETRY_MAX_MS, SETTLE_RETRY_MS * 2 ** (attempt - 1));
        const retry = databaseFailure(error) !== undefined && !this.closing && attempt < SETTLE_ATTEMPTS && this.clock.now().getTime() + wait < hold.expiresAtMs;
        if (!retry) throw error;
        if (attempt === 1) this.logger.warn(`A budget settlement waits for the database (${errorMessage(error)}); it is tried again until it lands.`);
        await this.pause(wait);
      }
    }
  }

  /** Waits `ms`, or less if shutdown begins meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.waiting.add(wake);
    });
  }

  private async settleOnce(hold: BudgetHold, actual: number, firstAttempt: boolean): Promise<void> {
    await this.inTurn(() => this.dataSource.transaction(async (manager) => {
      for (const budgetId of hold.budgetIds) {
        const released = await manager.delete(BudgetReservationEntity, { callId: hold.callId, budgetId });
        const releasedNow = (released.affected ?? 0) > 0;
        // Already released by the sweep (the call outlived its reservation): the actual cost still counts, on the
        // first attempt; on a retry, a released reservation may be this settlement's own unacknowledged commit.
        if (!releasedNow && !firstAttempt) continue;
        const held = releasedNow ? hold.amountMicroUsd : 0;
        await manager
          .createQueryBuilder()
          .update(BudgetEntity)
          .set({
            reservedMicroUsd: () => 'reserved_micro_usd - :held',
            spentMicroUsd: () => 'CASE WHEN window_start > :admitted THEN spent_micro_usd ELSE spent_micro_usd + :actual END',
          })
          .where('id = :budgetId', { budgetId, held, actual, admitted: hold.admittedAt })
          .execute();
      }
    }));
  }

  private async reserve(applying: readonly BudgetRule[] | Promise<readonly BudgetRule[]>, estimate: () => Promise<number | null>): Promise<BudgetHold | null> {
    const rules = [...(await applying)].sort((a, b) => a.id - b.id);
    if (rules.length === 0) return null;
    const cost = await estimate();
    if (cost === null) return null;
    // At least one micro-USD, so the UPDATE always changes its row (MySQL counts changed rows, not matched ones).
    const amount = Math.max(1, Math.ceil(cost));
    const now = this.clock.now();
    const windows = rules.map((rule) => this.currentWindow(rule, now));
    const expiry = this.expiry(now);
    const hold: BudgetHold = {
      callId: randomUUID(), budgetIds: rules.map((rule) => rule.id), amountMicroUsd: amount, admittedAt: this.dialect.dateTime(now),
      expiresAtMs: expiry.getTime(),
    };
    const expiresAt = this.dialect.dateTime(expiry);
    const inputs = rules.map((rule, index): ReserveInput => ({
      budgetId: rule.id, hard: rule.hard, amount, windowStart: windows[index]!, callId: hold.callId, owner: PROCESS_OWNER, expiresAt,
    }));
    const refusedAt = await this.inTurn(() => this.reserveAll(inputs));
    const refused = refusedAt === null ? null : rules[refusedAt]!;
    if (refused === null) {
      const soft = rules.filter((rule) => !rule.hard);
      if (soft.length > 0) await this.announceSoftLimits(soft, amount, now);
      return hold;
    }
    const row = await this.dataSource.getRepository(BudgetEntity).findOneBy({ id: refused.id });
    if (!row) throw new Error(`Budget ${refused.id} disappeared while a call was refused by it.`);
    this.events.emit({ type: 'budget.call_refused', budget: budgetView(row, now), estimateUsd: toUsd(amount), at: now });
    throw budgetExceeded(row, amount, now);
  }

  /**
   * A soft budget never refuses: once its window is full, an event and a log line, once per window across every
   * instance: the conditional UPDATE of `soft_announced_window` that changes the row picks the one that announces.
   */
  private async announceSoftLimits(soft: readonly BudgetRule[], amount: number, now: Date): Promise<void> {
    for (const rule of soft) {
      const start = this.currentWindow(rule, now);
      const claimed = await this.inTurn(() => this.dataSource
        .createQueryBuilder()
        .update(BudgetEntity)
        .set({ softAnnouncedWindow: () => ':start' })
        .where('id = :id', { id: rule.id, start })
        .andWhere('(soft_announced_window IS NULL OR soft_announced_window < :start)')
        .andWhere('(CASE WHEN window_start < :start THEN 0 ELSE spent_micro_usd END) + reserved_micro_usd >= limit_micro_usd')
        .execute());
      if ((claimed.affected ?? 0) === 0) continue;
      const row = await this.dataSource.getRepository(BudgetEntity).findOneBy({ id: rule.id });
      if (row) this.events.emit({ type: 'budget.soft_limit_reached', budget: budgetView(row, now), estimateUsd: toUsd(amount), at: now });
    }
  }

  /** Reserves on every budget, all or none; the index of the budget that had no room, or `null` when all had. */
  private async reserveAll(inputs: readonly ReserveInput[]): Promise<number | null> {
    if (inputs.length === 1 && this.statement.single) {
      const runner = this.dataSource.createQueryRunner();
      try {
        return (await this.statement.reserveAlone(runner, inputs[0]!)) ? null : 0;
      } finally {
        await runner.release();
      }
    }
    return this.dataSource
      .transaction(async (manager) => {
        for (const [index, input] of inputs.entries()) {
          // Rolls back what this call reserved on the budgets before this one.
          if (!(await this.statement.reserve(manager.queryRunner!, input))) throw new Refused(index);
        }
        return null;
      })
      .catch((error: unknown) => {
        if (error instanceof Refused) return error.index;
        throw error;
      });
  }

  /** The bound start of the rule's window at `now`, computed again only once that window has ended. */
  private currentWindow(rule: BudgetRule, now: Date): string {
    const known = this.windows.get(rule.id);
    if (known && known.period === rule.period && known.timeZone === rule.timeZone && now.getTime() >= known.from && now.getTime() < known.until) {
      return known.start;
    }
    const from = windowStart(rule.period, rule.timeZone, now).getTime();
    const until = windowEnd(rule.period, rule.timeZone, now)?.getTime() ?? Number.POSITIVE_INFINITY;
    const start = this.dialect.dateTime(new Date(from));
    this.windows.set(rule.id, { period: rule.period, timeZone: rule.timeZone, from, until, start });
    return start;
  }

  /** A reservation outlives any request a live process still waits on: the request timeout, every retry, a margin. */
  private expiry(now: Date): Date {
    const { requestTimeoutMs, maxRetries } = this.options;
    return new Date(now.getTime() + requestTimeoutMs * (maxRetries + 1) + 60_000);
  }
}

class Refused extends Error {
  constructor(readonly index: number) {
    super(`Refused by the budget at ${index}`);
  }
}
