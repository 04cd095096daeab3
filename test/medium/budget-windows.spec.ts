import { Test, type TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import type { BudgetEvent } from '../../src/llm-manager/budgets/budget-events';
import { BudgetEntity } from '../../src/llm-manager/budgets/budget.entity';
import { BudgetGate } from '../../src/llm-manager/budgets/budget-gate';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { BudgetReservationEntity } from '../../src/llm-manager/budgets/budget-reservation.entity';
import { UsageLedger } from '../../src/llm-manager/usage/usage-ledger';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { Clock } from '../../src/llm-manager/usage/clock';
import { BUDGET_OPTIONS, budgetsSettled } from '../support/budget-app';
import { budgetYaml, CALL_MICRO_USD, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';

class SettableClock extends Clock {
  at = new Date('2026-03-01T23:59:59.000Z');
  now(): Date {
    return this.at;
  }
}

const MIDNIGHT = new Date('2026-03-02T00:00:00.000Z');

describe('budget windows: a call across the rollover, and soft limits across instances (issue 16)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  const apps: TestingModule[] = [];
  const clock = new SettableClock();

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    clock.at = new Date('2026-03-01T23:59:59.000Z');
    store = new TempStore(budgetYaml(upstream.url));
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    store.remove();
    upstream.reset();
  });

  /** One instance of the service on the store's database; several share it as instances of one app would. */
  async function instance(): Promise<TestingModule> {
    const options = store.options(BUDGET_OPTIONS);
    const app = await Test.createTestingModule({ imports: [LlmManagerModule.forRoot(options)] }).overrideProvider(Clock).useValue(clock).compile();
    app.useLogger(false);
    await app.init();
    apps.push(app);
    return app;
  }
  const settled = budgetsSettled;
  /**
   * alice's daily budget, and her call admitted at 23:59:59 that is still streaming when the clock passes midnight:
   * `finish` reads it to its end.
   */
  async function lateCall(app: TestingModule): Promise<{ llm: LlmManagerService; alice: Awaited<ReturnType<LlmManagerService['getUserLlm']>>; finish: () => Promise<void> }> {
    const llm = app.get(LlmManagerService);
    await llm.setBudget({ userId: 'alice', limitUsd: (10 * CALL_MICRO_USD) / 1e6, period: 'day' });
    const alice = await llm.getUserLlm('alice');
    const reader = (await alice.stream('late'))[Symbol.asyncIterator]();
    await reader.next();
    clock.at = new Date(MIDNIGHT.getTime() + 500);
    return { llm, alice, finish: async () => { while (!(await reader.next()).done); } };
  }
  const budgetRow = (app: TestingModule): Promise<BudgetEntity> =>
    app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(BudgetEntity).findOneByOrFail({ userId: 'alice' });

  it('a call admitted at 23:59:59 that ends after midnight is charged to the day it was admitted in, even once the new day has begun', async () => {
    const app = await instance();
    const { llm, alice, finish } = await lateCall(app);
    // March 2nd's first call rolls the budget's window over, then ends before the late one.
    await alice.invoke('early');
    await settled(app);
    await finish();
    await settled(app);

    const row = await budgetRow(app);
    expect([row.windowStart.toISOString(), row.spentMicroUsd, row.reservedMicroUsd]).toEqual([MIDNIGHT.toISOString(), CALL_MICRO_USD, 0]);
    expect((await llm.getBudgets('alice'))[0]).toMatchObject({ windowStart: MIDNIGHT.toISOString(), spentUsd: 0.001, reservedUsd: 0 });
  });

  it('a call admitted at 23:59:59 that ends after midnight, before any call of the new day: the new day still starts empty', async () => {
    const app = await instance();
    const { llm, alice, finish } = await lateCall(app);
    await finish();
    await settled(app);
    expect((await llm.getBudgets('alice'))[0]).toMatchObject({ windowStart: MIDNIGHT.toISOString(), spentUsd: 0, reservedUsd: 0 });

    await alice.invoke('early');
    await settled(app);
    const row = await budgetRow(app);
    expect([row.windowStart.toISOString(), row.spentMicroUsd, row.reservedMicroUsd]).toEqual([MIDNIGHT.toISOString(), CALL_MICRO_USD, 0]);
  });

  it('two instances on one database: budget.soft_limit_reached fires once per window in all, not once per instance', async () => {
    const [first, second] = [await instance(), await instance()];
    const events: Array<[string, BudgetEvent]> = [];
    first.get(LlmManagerService).onBudgetEvent((event) => events.push(['first', event]));
    second.get(LlmManagerService).onBudgetEvent((event) => events.push(['second', event]));
    await first.get(LlmManagerService).setBudget({ userId: 'alice', limitUsd: (2 * CALL_MICRO_USD) / 1e6, period: 'day', hard: false });
    const models = [await first.get(LlmManagerService).getUserLlm('alice'), await second.get(LlmManagerService).getUserLlm('alice')];

    for (let i = 0; i < 6; i += 1) {
      await models[i % 2]!.invoke('hi');
      await settled(first);
      await settled(second);
    }
    expect(upstream.chatRequests).toHaveLength(6);
    expect(events.map(([, event]) => [event.type, event.budget.windowStart])).toEqual([['budget.soft_limit_reached', '2026-03-01T00:00:00.000Z']]);

    // The next day is a new window: announced once again, by whichever instance fills it.
    clock.at = new Date(MIDNIGHT.getTime() + 1000);
    for (let i = 0; i < 6; i += 1) {
      await models[i % 2]!.invoke('hi');
      await settled(first);
      await settled(second);
    }
    expect(events.map(([, event]) => [event.type, event.budget.windowStart])).toEqual([
      ['budget.soft_limit_reached', '2026-03-01T00:00:00.000Z'],
      ['budget.soft_limit_reached', MIDNIGHT.toISOString()],
    ]);
  });
  it('a budget set or reshaped after calls starts from what the ledger says its window spent; a token budget from 0', async () => {
    clock.at = new Date('2026-03-01T10:00:00.000Z');
    const app = await instance();
    const llm = app.get(LlmManagerService);
    const alice = await llm.getUserLlm('alice', { usageKey: 'main' });
    await alice.invoke('one');
    await alice.invoke('two');
    await settled(app);
    clock.at = new Date('2026-03-01T12:00:00.000Z');

    const month = await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'month' });
    expect(month.spentUsd * 1e6).toBeCloseTo(2 * CALL_MICRO_USD);
    const slot = await llm.setBudget({ userId: 'alice', usageKey: 'main', limitUsd: 1, period: 'day' });
    expect(slot.spentUsd * 1e6).toBeCloseTo(2 * CALL_MICRO_USD);
    expect((await llm.setBudget({ userId: 'alice', usageKey: 'fast', limitUsd: 1, period: 'day' })).spentUsd).toBe(0);
    expect((await llm.setBudget({ userId: 'alice', tokenId: 7, limitUsd: 1, period: 'day' })).spentUsd).toBe(0);

    // The next day, a new period for the whole-user budget counts only that day's calls: none yet.
    clock.at = new Date('2026-03-02T08:00:00.000Z');
    expect((await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'day' })).spentUsd).toBe(0);
    // Back to the month: both calls of March count again, so a reshaped budget never forgives spend.
    expect((await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'month' })).spentUsd * 1e6).toBeCloseTo(2 * CALL_MICRO_USD);
  });

  it("a budget reshaped while a call's row still waits to be written, and while a call is in flight, counts each call once", async () => {
    clock.at = new Date('2026-03-02T12:00:00.000Z');
    const app = await instance();
    const llm = app.get(LlmManagerService);
    await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'month' });
    const alice = await llm.getUserLlm('alice');
    // Ended and settled on the month budget; its row waits in the writer's queue (written within flushIntervalMs).
    await alice.invoke('queued');
    await app.get(CallRecorder).drain();
    // In flight: admitted under the month's window, started today.
    const reader = (await alice.stream('in flight'))[Symbol.asyncIterator]();
    await reader.next();

    const day = await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'day' });
    // The queued call counts: it was made today, and its cost was settled before the reshape.
    expect(day.spentUsd * 1e6).toBeCloseTo(CALL_MICRO_USD);
    while (!(await reader.next()).done);
    await settled(app);
    // The call in flight counts once it ends: it started in the new window, whatever window admitted it.
    const row = await budgetRow(app);
    expect([row.period, row.spentMicroUsd, row.reservedMicroUsd]).toEqual(['day', 2 * CALL_MICRO_USD, 0]);
    // And the ledger agrees: a reshape now finds the same two calls.
    expect((await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'week' })).spentUsd * 1e6).toBeCloseTo(2 * CALL_MICRO_USD);
  });

  it('calls that end or start while a reshape waits for the ledger keep their reservations and costs right', async () => {
    clock.at = new Date('2026-03-02T12:00:00.000Z');
    const app = await instance();
    const llm = app.get(LlmManagerService);
    await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'month' });
    const alice = await llm.getUserLlm('alice');
    const reader = (await alice.stream('ends during the reshape'))[Symbol.asyncIterator]();
    await reader.next();
    // The reshape's wait for the ledger is where other calls end and start: one ends and settles, one is admitted.
    const ledger = app.get(UsageLedger);
    const flush = ledger.flush.bind(ledger);
    let late: AsyncIterator<unknown> | undefined;
    jest.spyOn(ledger, 'flush').mockImplementationOnce(async () => {
      await flush();
      while (!(await reader.next()).done);
      await app.get(CallRecorder).drain();
      late = (await alice.stream('admitted during the reshape'))[Symbol.asyncIterator]();
      await late.next();
    });

    await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'day' });
    const during = await budgetRow(app);
    // The late call's reservation stands; the ended call's is gone, its cost counted once.
    expect([during.spentMicroUsd, during.reservedMicroUsd]).toEqual([CALL_MICRO_USD, CALL_MICRO_USD]);
    while (!(await late!.next()).done);
    await settled(app);
    const after = await budgetRow(app);
    expect([after.period, after.spentMicroUsd, after.reservedMicroUsd]).toEqual(['day', 2 * CALL_MICRO_USD, 0]);
    expect(await app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(BudgetReservationEntity).count()).toBe(0);
  });

  it("a reshape waits only for its own budget's settlements under way, not for other budgets' nor for later calls", async () => {
    clock.at = new Date('2026-03-02T12:00:00.000Z');
    const app = await instance();
    const llm = app.get(LlmManagerService);
    await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'month' });
    await llm.setBudget({ userId: 'bob', limitUsd: 1, period: 'month' });
    // Bob's call settles only once the test lets it: a settlement on another budget that takes its time.
    const gate = app.get(BudgetGate);
    const settleNow = (gate as unknown as { settleNow: (...args: unknown[]) => Promise<void> }).settleNow.bind(gate);
    let letBobSettle: () => void = () => {};
    const bobsTurn = new Promise<void>((resolve) => (letBobSettle = resolve));
    jest.spyOn(gate as unknown as { settleNow: (...args: unknown[]) => Promise<void> }, 'settleNow').mockImplementationOnce(async (...args) => {
      await bobsTurn;
      return settleNow(...args);
    });
    await (await llm.getUserLlm('bob')).invoke('slow to settle');
    await app.get(UsageLedger).whenCounted();

    const reshaped = await llm.setBudget({ userId: 'alice', limitUsd: 1, period: 'day' });
    expect(reshaped).toMatchObject({ period: 'day', spentUsd: 0 });
    letBobSettle();
    await settled(app);
    expect((await llm.getBudgets('bob'))[0]).toMatchObject({ spentUsd: CALL_MICRO_USD / 1e6, reservedUsd: 0 });
  });
});
