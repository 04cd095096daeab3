import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TransactionTurns } from '../database/transaction-turns';
import { errorMessage } from '../common/error-message';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { Clock } from '../usage/clock';
import { UsageSqlDialect } from '../usage/usage-sql-dialect';
import { BudgetReservationEntity } from './budget-reservation.entity';
import { BudgetEntity } from './budget.entity';

const SWEEP_MS = 30_000;
const BATCH = 500;

/**
 * Releases reservations past `expires_at`: those of processes that died (kill -9, a crash) between admitting a call
 * and counting it, which would otherwise hold budget forever. A live process settles each call long before: expiry
 * is the request timeout times the attempts plus a minute. Each release is one DELETE whose affected row count
 * decides who gives the amount back, so a sweep racing a late settlement (or another instance's sweep) never
 * releases twice.
 */
@Injectable()
export class BudgetSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Budgets');
  private readonly dialect: UsageSqlDialect;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    this.dialect = UsageSqlDialect.of(dataSource);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn(`Expired budget reservations were not released this time. ${errorMessage(error)}`));
    }, SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Releases every expired reservation; returns how many. */
  async sweep(): Promise<number> {
    let released = 0;
    for (;;) {
      const expired = await this.dataSource
        .getRepository(BudgetReservationEntity)
        .createQueryBuilder('r')
        .where('r.expiresAt < :now', { now: this.dialect.dateTime(this.clock.now()) })
        .orderBy('r.expiresAt', 'ASC')
        .take(BATCH)
        .getMany();
      for (const reservation of expired) if (await this.release(reservation)) released += 1;
      if (expired.length < BATCH) break;
    }
    if (released > 0) this.logger.log(`Released ${released} budget reservations of calls whose process stopped before counting them.`);
    return released;
  }

  private release(reservation: BudgetReservationEntity): Promise<boolean> {
    return TransactionTurns.of(this.dataSource).run(() => this.dataSource.transaction(async (manager) => {
      const gone = await manager.delete(BudgetReservationEntity, { callId: reservation.callId, budgetId: reservation.budgetId });
      if ((gone.affected ?? 0) === 0) return false;
      await manager
        .createQueryBuilder()
        .update(BudgetEntity)
        .set({ reservedMicroUsd: () => 'reserved_micro_usd - :amount' })
        .where('id = :id', { id: reservation.budgetId, amount: reservation.amountMicroUsd })
        .execute();
      return true;
    }));
  }
}
