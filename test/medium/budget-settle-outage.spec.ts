import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { BudgetEntity } from '../../src/llm-manager/budgets/budget.entity';
import { BudgetReservationEntity } from '../../src/llm-manager/budgets/budget-reservation.entity';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import type { LlmManagerDatabaseOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { BUDGET_OPTIONS, budgetsSettled } from '../support/budget-app';
import { budgetYaml, CALL_MICRO_USD, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TcpProxy } from '../support/tcp-proxy';
import { TempStore } from '../support/temp-store';
import { createTestDatabase, type TestDatabase, type TestEngineName } from '../support/test-engine';

/**
 * A call that ends while the database is away still counts on its budget once the database is back: its settlement
 * is tried again (with its usage row, which the writer keeps). A real server behind a real TCP hop the test takes down.
 */
describe.each<[TestEngineName, number]>([
  ['postgres', 5432],
  ['mariadb', 3306],
])('a budget settlement while the %s server is away', (engine, serverPort) => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let proxy: TcpProxy;
  let store: TempStore;
  let place: TestDatabase;
  let app: TestingModule;

  beforeEach(async () => {
    upstream = await startFakeUpstream();
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    proxy = await TcpProxy.start(serverPort);
    store = new TempStore(budgetYaml(upstream.url));
    place = createTestDatabase(engine, store.dbPath);
    const database = { ...place.options, port: proxy.port } as LlmManagerDatabaseOptions;
    app = await store.start({ ...BUDGET_OPTIONS, database, databaseConnectTimeoutMs: 800, databaseQueryTimeoutMs: 800 });
  });
  afterEach(async () => {
    await proxy.up();
    await app?.close();
    await proxy.close();
    place.drop();
    store.remove();
    await upstream.close();
  });

  it('is tried again until the database answers: the cost is spent, the reservation released, once', async () => {
    const llm = app.get(LlmManagerService);
    await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'month' });
    const alice = await llm.getUserLlm('alice');
    const reader = (await alice.stream('while the database goes away'))[Symbol.asyncIterator]();
    await reader.next();

    await proxy.down();
    while (!(await reader.next()).done);
    // The first attempts fail while the server is away; it comes back within the reservation's life.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await proxy.up();
    await budgetsSettled(app);

    const data = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    const budget = await data.getRepository(BudgetEntity).findOneByOrFail({ userId: 'alice' });
    expect([budget.spentMicroUsd, budget.reservedMicroUsd]).toEqual([CALL_MICRO_USD, 0]);
    expect(await data.getRepository(BudgetReservationEntity).count()).toBe(0);
    expect((await llm.getBudgets('alice'))[0]).toMatchObject({ spentUsd: CALL_MICRO_USD / 1e6, reservedUsd: 0 });
  });
});
