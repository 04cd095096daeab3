import { Test, type TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { BudgetReservationEntity } from '../../src/llm-manager/budgets/budget-reservation.entity';
import { BudgetEntity } from '../../src/llm-manager/budgets/budget.entity';
import { BudgetSweep } from '../../src/llm-manager/budgets/budget-sweep';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { Clock } from '../../src/llm-manager/usage/clock';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { LedgerChild } from '../support/ledger-process';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { BUDGET_OPTIONS } from '../support/budget-app';
import { budgetYaml, CALL_MICRO_USD, CALL_USAGE } from '../support/budget-yaml';

class SettableClock extends Clock {
  at: Date | null = null;
  now(): Date {
    return this.at ?? new Date();
  }
}

describe('budgets across processes sharing one database (issue 16)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let app: TestingModule;
  const clock = new SettableClock();
  const children: LedgerChild[] = [];

  const options = (): LlmManagerOptions =>
    store.options({ ...BUDGET_OPTIONS, usageJournal: false });

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    upstream.scriptModel('fake-slow', { reply: 'ok', usage: CALL_USAGE, firstByteDelayMs: 60_000 });
    store = new TempStore(budgetYaml(upstream.url));
    app = await Test.createTestingModule({ imports: [LlmManagerModule.forRoot(options())] }).overrideProvider(Clock).useValue(clock).compile();
    app.useLogger(false);
    await app.init();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await app.close();
    store.remove();
    upstream.reset();
  });

  const dataSource = (): DataSource => app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);

  it('two processes, 100 concurrent calls each, against a budget that fits 50: at most 50 reach the upstream in all', async () => {
    await app.get(LlmManagerService).setBudget({ userId: 'alice', limitUsd: (50 * CALL_MICRO_USD) / 1e6, period: 'total' });
    const env = { BURST_AT: String(Date.now() + 4000) };
    const pair = [LedgerChild.start('budget-burst', 100, options(), { env }), LedgerChild.start('budget-burst', 100, options(), { env })];
    children.push(...pair);
    const said = await Promise.all(pair.map((child) => child.waitFor('burst')));
    const ok = said.reduce((n, s) => n + Number(s.ok), 0);
    const refused = said.reduce((n, s) => n + Number(s.refused), 0);
    expect([ok, refused]).toEqual([50, 150]);
    expect(upstream.chatRequests).toHaveLength(50);
    await Promise.all(pair.map((child) => child.exited(20_000)));
    const [budget] = await dataSource().getRepository(BudgetEntity).find();
    expect([budget!.spentMicroUsd, budget!.reservedMicroUsd]).toEqual([50_000, 0]);
  }, 120_000);

  it('the auto-key default (YAML auto_key_budget): two processes racing 100 first calls each create it once and admit 50', async () => {
    store.writeYaml(`${budgetYaml(upstream.url)}auto_key_budget: { limit_usd: ${(50 * CALL_MICRO_USD) / 1e6}, period: total }\n`);
    const env = { BURST_AT: String(Date.now() + 4000) };
    const pair = [LedgerChild.start('budget-burst', 100, options(), { env }), LedgerChild.start('budget-burst', 100, options(), { env })];
    children.push(...pair);
    const said = await Promise.all(pair.map((child) => child.waitFor('burst')));
    expect([said.reduce((n, s) => n + Number(s.ok), 0), said.reduce((n, s) => n + Number(s.refused), 0)]).toEqual([50, 150]);
    expect(upstream.chatRequests).toHaveLength(50);
    await Promise.all(pair.map((child) => child.exited(20_000)));
    const rows = await dataSource().getRepository(BudgetEntity).find();
    expect(rows.map((row) => [row.userId, row.defaultFor, row.limitMicroUsd, row.spentMicroUsd, row.reservedMicroUsd])).toEqual([
      ['alice', 'auto-key', 50_000, 50_000, 0],
    ]);
  }, 120_000);

  it('a process killed mid-call leaves its reservation; the sweep releases it once expired, not before', async () => {
    await app.get(LlmManagerService).setBudget({ userId: 'alice', limitUsd: 1, period: 'day' });
    const child = LedgerChild.start('budget-hold', 1, options());
    children.push(child);
    await upstream.waitForRequests(1);
    child.kill('SIGKILL');
    await child.exited(10_000);
    const held = async (): Promise<number[]> => [
      (await dataSource().getRepository(BudgetEntity).findOneByOrFail({ userId: 'alice' })).reservedMicroUsd,
      await dataSource().getRepository(BudgetReservationEntity).count(),
    ];
    expect(await held()).toEqual([1000, 1]);
    expect(await app.get(BudgetSweep).sweep()).toBe(0);
    clock.at = new Date(Date.now() + 60 * 60_000);
    try {
      expect(await app.get(BudgetSweep).sweep()).toBe(1);
    } finally {
      clock.at = null;
    }
    expect(await held()).toEqual([0, 0]);
  });
});
