import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import type { BudgetEvent } from '../../src/llm-manager/budgets/budget-events';
import { BudgetGate } from '../../src/llm-manager/budgets/budget-gate';
import { BudgetReservationEntity } from '../../src/llm-manager/budgets/budget-reservation.entity';
import { BudgetEntity } from '../../src/llm-manager/budgets/budget.entity';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { BUDGET_OPTIONS, budgetsSettled } from '../support/budget-app';
import { budgetYaml, CALL_MICRO_USD, CALL_USAGE } from '../support/budget-yaml';

describe('hard budgets: reserved atomically before a call leaves, settled to the actual cost (issue 16)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let app: TestingModule;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    store = new TempStore(budgetYaml(upstream.url));
    app = await store.start(BUDGET_OPTIONS);
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
  });
  afterEach(async () => {
    await app.close();
    store.remove();
    upstream.reset();
  });

  const llm = (): LlmManagerService => app.get(LlmManagerService);
  const dataSource = (): DataSource => app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  const settled = (): Promise<void> => budgetsSettled(app);

  it('200 concurrent calls against a budget that fits 50: exactly 50 reach the upstream, 150 are refused with BUDGET_EXCEEDED', async () => {
    await llm().setBudget({ userId: 'alice', limitUsd: 50 * CALL_MICRO_USD / 1e6, period: 'day' });
    const alice = await llm().getUserLlm('alice');
    expect(alice.info.modelDisplayName).toBe('priced');
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => alice.invoke('hi')));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.map((o) => (o.reason as LlmManagerError).code)).toEqual(Array(150).fill('BUDGET_EXCEEDED'));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(50);
    expect(upstream.chatRequests).toHaveLength(50);

    await settled();
    const [budget] = await dataSource().getRepository(BudgetEntity).find();
    expect([budget!.spentMicroUsd, budget!.reservedMicroUsd]).toEqual([50 * CALL_MICRO_USD, 0]);
    // A refused call never left: it has no usage row.
    expect(await dataSource().getRepository(UsageLogEntryEntity).countBy({ userId: 'alice' })).toBe(50);
    const [view] = await llm().getBudgets('alice');
    expect(view).toMatchObject({ spentUsd: 0.05, reservedUsd: 0, remainingUsd: 0 });

    const refusal = refused[0]!.reason as LlmManagerError;
    expect(refusal.message).toMatch(/^Budget exceeded for user "alice": spent \$[\d.]+ of \$0\.05 this day, \$[\d.]+ held by calls in flight; this call needs about \$0\.001\./);
    expect(refusal.message).toContain(view!.resetsAt!);
    expect(refusal.details).toMatchObject({ limitUsd: 0.05, resetsAt: view!.resetsAt });
  });

  it('a budget of a slot or of another user does not hold back this call; an unpriced model reserves nothing', async () => {
    await llm().setBudget({ userId: 'alice', usageKey: 'fast', limitUsd: 0, period: 'total' });
    await llm().setBudget({ userId: 'bob', limitUsd: 0, period: 'total' });
    await expect((await llm().getUserLlm('alice')).invoke('hi')).resolves.toBeDefined();
    await expect((await llm().getUserLlm('bob')).invoke('hi')).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(upstream.chatRequests).toHaveLength(1);

    // The system user has budgets too; a call on an unpriced model costs nothing and reserves nothing.
    await llm().setBudget({ userId: SYSTEM_USER_ID, limitUsd: 0, period: 'month', timeZone: 'Asia/Shanghai' });
    await expect((await llm().getSpecSysLlm('Fake', 'priced')).invoke('hi')).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    await expect((await llm().getSpecSysLlm('Fake', 'free')).invoke('hi')).resolves.toBeDefined();
    expect(upstream.chatRequests).toHaveLength(2);
    expect(await dataSource().getRepository(BudgetReservationEntity).count()).toBe(0);
  });

  it('a soft budget never refuses: one budget.soft_limit_reached event per window; a refusal is a budget.call_refused event', async () => {
    const events: BudgetEvent[] = [];
    const unsubscribe = llm().onBudgetEvent((event) => events.push(event));
    await llm().setBudget({ userId: 'alice', limitUsd: 2 * CALL_MICRO_USD / 1e6, period: 'month', hard: false });
    const alice = await llm().getUserLlm('alice');
    for (let i = 0; i < 4; i += 1) {
      await alice.invoke('hi');
      await settled();
    }
    expect(upstream.chatRequests).toHaveLength(4);
    expect(events.map((e) => [e.type, e.budget.userId, e.budget.hard])).toEqual([['budget.soft_limit_reached', 'alice', false]]);
    expect((await llm().getBudgets('alice'))[0]).toMatchObject({ spentUsd: 0.004, remainingUsd: 0 });

    await llm().setBudget({ userId: 'bob', limitUsd: 0, period: 'day' });
    await expect((await llm().getUserLlm('bob')).invoke('hi')).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(events[1]).toMatchObject({ type: 'budget.call_refused', budget: { userId: 'bob', limitUsd: 0 }, estimateUsd: 0.001 });
    unsubscribe();
  });

  it('no budget for the user: admission answers synchronously with null, no query on the call path', async () => {
    await llm().setBudget({ userId: 'bob', limitUsd: 1, period: 'day' });
    const gate = app.get(BudgetGate);
    // The first look loads every budget's definition once; after that a user without one costs nothing.
    await gate.admit({ userId: 'alice', usageKey: 'main', tokenId: null }, async () => 1);
    let queries = 0;
    const spy = jest.spyOn(dataSource(), 'createQueryRunner').mockImplementation(function (this: DataSource, ...args) {
      queries += 1;
      return jest.requireActual<typeof import('typeorm')>('typeorm').DataSource.prototype.createQueryRunner.apply(this, args);
    });
    try {
      expect(gate.admit({ userId: 'alice', usageKey: 'main', tokenId: null }, async () => 1)).toBeNull();
      expect(queries).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });
});
