import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { AutoKeyBudgets } from '../../src/llm-manager/budgets/auto-key-budgets';
import type { DataSource } from 'typeorm';
import { BudgetEntity } from '../../src/llm-manager/budgets/budget.entity';
import { windowStart } from '../../src/llm-manager/budgets/budget-window';
import type { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { BUDGET_OPTIONS, budgetsSettled } from '../support/budget-app';
import { budgetYaml, CALL_MICRO_USD, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';

const USER_KEY = 'sk-user-own-0000-1111-2222';

describe('the auto-key default budget: users spending the system keys (issue 16)', () => {
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
    app = await store.start({
      ...BUDGET_OPTIONS,
      autoKeyBudget: { limitUsd: (3 * CALL_MICRO_USD) / 1e6, period: 'day' },
    });
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
  });
  afterEach(async () => {
    await app.close();
    store.remove();
    upstream.reset();
  });

  const llm = (): LlmManagerService => app.get(LlmManagerService);
  const budgets = (): Promise<BudgetEntity[]> => app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(BudgetEntity).find({ order: { id: 'ASC' } });
  const settled = (): Promise<void> => budgetsSettled(app);

  it('40 concurrent first calls on a lent system key: the default budget is created once and admits exactly what it fits', async () => {
    expect(await budgets()).toEqual([]);
    const alice = await llm().getUserLlm('alice');
    expect(alice.info.keyOrigin).toBe('system-auto');
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => alice.invoke('hi')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(new Set(refused.map((o) => (o.reason as LlmManagerError).code))).toEqual(new Set(['BUDGET_EXCEEDED']));
    expect(upstream.chatRequests).toHaveLength(3);
    await settled();

    const rows = await budgets();
    expect(rows.map((row) => [row.userId, row.defaultFor, row.usageKey, row.tokenId, row.period, row.hard, row.spentMicroUsd, row.reservedMicroUsd])).toEqual([
      ['alice', 'auto-key', null, null, 'day', true, 3 * CALL_MICRO_USD, 0],
    ]);
    expect(await llm().getBudgets('alice')).toMatchObject([{ defaultFor: 'auto-key', limitUsd: 0.003, spentUsd: 0.003, timeZone: 'UTC' }]);
  });

  it('calls on the user\'s own key are not held to it, and create no budget', async () => {
    const [fake] = await llm().listPlatforms('bob');
    await llm().setUserPlatformKey('bob', fake!.id, USER_KEY);
    const bob = await llm().getUserLlm('bob');
    expect(bob.info.keyOrigin).toBe('user');
    for (let i = 0; i < 5; i += 1) await bob.invoke('hi');
    expect(upstream.chatRequests).toHaveLength(5);
    // The system user pays with the platform's own key: not an auto-key loan either.
    await (await llm().getSpecSysLlm('Fake', 'priced')).invoke('hi');
    expect(await budgets()).toEqual([]);
  });

  it('an administrator\'s budget for the whole user replaces the default; a slot budget does not', async () => {
    await llm().setBudget({ userId: 'carol', limitUsd: 1, period: 'month' });
    const carol = await llm().getUserLlm('carol');
    for (let i = 0; i < 5; i += 1) await carol.invoke('hi');
    await settled();
    expect((await budgets()).map((row) => [row.userId, row.defaultFor])).toEqual([['carol', null]]);

    // dave's slot budget is generous, but the whole-user default still holds him to 3 calls.
    await llm().setBudget({ userId: 'dave', usageKey: 'main', limitUsd: 1, period: 'month' });
    const dave = await llm().getUserLlm('dave');
    for (let i = 0; i < 3; i += 1) await dave.invoke('hi');
    await expect(dave.invoke('hi')).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    await settled();
    expect((await budgets()).filter((row) => row.userId === 'dave').map((row) => [row.defaultFor, row.spentMicroUsd])).toEqual([
      [null, 3 * CALL_MICRO_USD],
      ['auto-key', 3 * CALL_MICRO_USD],
    ]);

    // Once an administrator sets dave's whole-user budget, it is the one that counts.
    await llm().setBudget({ userId: 'dave', limitUsd: 1, period: 'month' });
    await expect(dave.invoke('hi')).resolves.toBeDefined();
    expect((await llm().getBudgets('dave')).map((view) => view.defaultFor)).toEqual([null, 'auto-key', null]);
  });

  it('a restart with another default moves the existing default budgets to it; autoKeyBudget: null turns it off', async () => {
    await (await llm().getUserLlm('erin')).invoke('hi');
    await settled();
    await app.close();
    app = await store.start({
      ...BUDGET_OPTIONS,
      autoKeyBudget: { limitUsd: 1, period: 'month', timeZone: 'Asia/Shanghai', hard: false },
    });
    expect((await budgets()).map((row) => [row.userId, row.limitMicroUsd, row.period, row.timeZone, row.hard, row.spentMicroUsd])).toEqual([
      ['erin', 1_000_000, 'month', 'Asia/Shanghai', false, CALL_MICRO_USD],
    ]);
    // The day's window lies inside the new month: its spend still counts, in the month's window.
    expect((await budgets())[0]!.windowStart.getTime()).toBe(windowStart('month', 'Asia/Shanghai', new Date()).getTime());

    // From a month to a day: the month began before today, so the new day's window starts from 0.
    await app.close();
    app = await store.start({ ...BUDGET_OPTIONS, autoKeyBudget: { limitUsd: 1, period: 'day' } });
    expect((await budgets()).map((row) => [row.period, row.timeZone, row.spentMicroUsd, row.windowStart.getTime()])).toEqual([
      ['day', 'UTC', 0, windowStart('day', 'UTC', new Date()).getTime()],
    ]);

    // null wins over the YAML's auto_key_budget.
    await app.close();
    store.writeYaml(`${budgetYaml(upstream.url)}auto_key_budget: { limit_usd: 0, period: day }\n`);
    app = await store.start({ ...BUDGET_OPTIONS, autoKeyBudget: null });
    await (await llm().getUserLlm('frank')).invoke('hi');
    expect((await budgets()).map((row) => row.userId)).toEqual(['erin']);
  });
});

describe('the auto-key default budget and a broken llm_mgr_cfg.yaml', () => {
  it('a file that cannot be read does not stop a start without sync: no default holds, and the log says why', async () => {
    const store = new TempStore('platforms:\n  Fake:\n\tbase_url: broken by hand\n');
    const errors: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    let app: TestingModule | undefined;
    try {
      app = await store.start({ ...BUDGET_OPTIONS, syncOnStart: false });
      expect(app.get(AutoKeyBudgets).budget).toBeNull();
      expect(errors.join('\n')).toMatch(/auto_key_budget of .*llm_mgr_cfg\.yaml not read, so no default budget holds auto-key users/);
      expect(await app.get(LlmManagerService).getBudgets('alice')).toEqual([]);
    } finally {
      spy.mockRestore();
      await app?.close();
      store.remove();
    }
  });
});
