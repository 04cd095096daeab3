import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { BudgetReserveStatement, type ReserveInput } from '../../src/llm-manager/budgets/budget-reserve-statement';
import { BudgetEntity } from '../../src/llm-manager/budgets/budget.entity';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { UsageSqlDialect } from '../../src/llm-manager/usage/usage-sql-dialect';
import { BUDGET_OPTIONS } from '../support/budget-app';
import { budgetYaml } from '../support/budget-yaml';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';

/** The reserving statement of each engine (bench P7), on its own: all of it happens, or none of it. */
describe('BudgetReserveStatement: one reservation, all or nothing (issue 16)', () => {
  useNoNetworkGuard();
  let store: TempStore;
  let app: TestingModule;

  beforeEach(async () => {
    store = new TempStore(budgetYaml('http://127.0.0.1:9/v1'));
    app = await store.start(BUDGET_OPTIONS);
  });
  afterEach(async () => {
    await app.close();
    store.remove();
  });

  it('reserves while the budget has room, refuses without writing, and a reservation that fails to insert changes nothing', async () => {
    const dataSource = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    const { id } = await app.get(LlmManagerService).setBudget({ userId: 'alice', limitUsd: 0.000_002, period: 'total' });
    const statement = BudgetReserveStatement.of(dataSource);
    const dialect = UsageSqlDialect.of(dataSource);
    const input = (callId: string): ReserveInput => ({
      budgetId: id, hard: true, amount: 1, windowStart: dialect.dateTime(new Date(0)), callId, owner: 'spec', expiresAt: dialect.dateTime(new Date(Date.now() + 60_000)),
    });
    const runner = dataSource.createQueryRunner();
    const held = async (): Promise<[number, number]> => [
      (await dataSource.getRepository(BudgetEntity).findOneByOrFail({ id })).reservedMicroUsd,
      Number((await dataSource.query(`SELECT COUNT(*) AS n FROM ${UsageSqlDialect.tableOf(dataSource, 'llm_budget_reservations')}`))[0].n),
    ];
    try {
      expect(statement.single).toBe(dataSource.options.type !== 'mysql');
      expect(await statement.reserveAlone(runner, input('call-1'))).toBe(true);
      expect(await held()).toEqual([1, 1]);
      // The same call id again: the reservation row cannot be inserted, so the budget row keeps its reserved amount.
      await expect(statement.reserveAlone(runner, input('call-1'))).rejects.toThrow();
      expect(await held()).toEqual([1, 1]);
      expect(runner.isTransactionActive).toBe(false);
      expect(await statement.reserveAlone(runner, input('call-2'))).toBe(true);
      // No room left: refused, nothing written.
      expect(await statement.reserveAlone(runner, input('call-3'))).toBe(false);
      expect(await held()).toEqual([2, 2]);
    } finally {
      await runner.release();
    }
  });
});
