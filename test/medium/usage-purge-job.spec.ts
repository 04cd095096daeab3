import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { Clock } from '../../src/llm-manager/usage/clock';
import { TaskScheduler } from '../../src/llm-manager/usage/task-scheduler';
import { UsagePurgeJob } from '../../src/llm-manager/usage/usage-purge.job';
import { UsageQueryService } from '../../src/llm-manager/usage/usage-query.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import type { UsageRow } from '../../src/llm-manager/usage/usage-row';
import { TempStore } from '../support/temp-store';
import { usageRow } from '../support/usage-rows';

class FixedClock extends Clock {
  constructor(public current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
}

function row(createdAt: string): UsageRow {
  const tokens = { promptTokens: 1, completionTokens: 1, totalTokens: 2 };
  return usageRow({ userId: 'u1', modelId: 1, ...tokens, latencyMs: 1, createdAt: new Date(createdAt) });
}

describe('scheduled usage purge', () => {
  let store: TempStore;
  let moduleRef: TestingModule | undefined;
  const clock = new FixedClock(new Date('2026-03-31T12:00:00Z'));

  async function start(options: LlmManagerOptions): Promise<void> {
    moduleRef = await Test.createTestingModule({ imports: [LlmManagerModule.forRoot({ ...store.options(), ...options })] })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
  }

  beforeEach(() => {
    store = new TempStore();
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    store.remove();
  });
  const get = <T>(token: abstract new (...args: never[]) => T): T => moduleRef!.get(token);

  it('deletes exactly the rows older than the retention, measured on the injected clock', async () => {
    await start({ usageRetentionDays: 30, usagePurgeCron: '0 3 * * *' });
    const writer = get(UsageWriter);
    for (const at of ['2026-02-28T11:59:59Z', '2026-03-01T11:59:59Z', '2026-03-01T12:00:00Z', '2026-03-31T11:00:00Z']) {
      writer.enqueue(row(at));
    }
    await writer.flush();
    expect(await get(UsagePurgeJob).runOnce()).toBe(2);
    expect((await get(UsageQueryService).summary({ userId: 'u1' })).requests).toBe(2);

    clock.current = new Date('2026-04-30T12:00:01Z');
    expect(await get(UsagePurgeJob).runOnce()).toBe(2);
  });

  it('schedules on the configured cron, and can be switched off', async () => {
    await start({ usageRetentionDays: 30, usagePurgeCron: '15 4 * * *' });
    const next = get(UsagePurgeJob).nextRun();
    expect(next).not.toBeNull();
    expect([next!.getHours(), next!.getMinutes()]).toEqual([4, 15]);
    await moduleRef!.close();

    await start({ usagePurgeCron: false });
    expect(get(UsagePurgeJob).nextRun()).toBeNull();
  });

  it('purges when its schedule ticks, and stops ticking on shutdown', async () => {
    const ticks: Array<(scheduledAt: Date) => void> = [];
    let stopped = false;
    const manual: TaskScheduler = {
      schedule: (name, cron, task) => {
        expect([name, cron]).toEqual(['llm-mgr:usage-purge', '15 4 * * *']);
        ticks.push(task);
        return { nextRun: () => new Date('2026-04-01T04:15:00Z'), stop: async () => void (stopped = true) };
      },
    };
    moduleRef = await Test.createTestingModule({
      imports: [LlmManagerModule.forRoot({ ...store.options(), usageRetentionDays: 30, usagePurgeCron: '15 4 * * *' })],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .overrideProvider(TaskScheduler)
      .useValue(manual)
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    clock.current = new Date('2026-03-31T12:00:00Z');
    const writer = get(UsageWriter);
    writer.enqueue(row('2026-01-01T00:00:00Z'));
    writer.enqueue(row('2026-03-30T00:00:00Z'));
    await writer.flush();

    expect(ticks).toHaveLength(1);
    const tick = jest.spyOn(get(UsagePurgeJob), 'tick');
    ticks[0](new Date('2026-03-31T04:15:00Z'));
    expect(await tick.mock.results[0].value).toBe(1);
    expect((await get(UsageQueryService).summary({ userId: 'u1' })).requests).toBe(1);
    await moduleRef.close();
    moduleRef = undefined;
    expect(stopped).toBe(true);
  });

  it('runs once per tick across instances sharing the database, whichever fires first', async () => {
    const instances: TestingModule[] = [];
    for (let i = 0; i < 3; i++) {
      const instance = await Test.createTestingModule({
        imports: [LlmManagerModule.forRoot({ ...store.options(), usageRetentionDays: 30, usagePurgeCron: false })],
      })
        .overrideProvider(Clock)
        .useValue(clock)
        .compile();
      instance.useLogger(false);
      instances.push(await instance.init());
    }
    try {
      const writer = instances[0].get(UsageWriter);
      const jobs = instances.map((instance) => instance.get(UsagePurgeJob));
      writer.enqueue(row('2026-01-01T00:00:00Z'));
      writer.enqueue(row('2026-01-02T00:00:00Z'));
      await writer.flush();

      const first = new Date('2026-03-31T04:15:00Z');
      const results = await Promise.all(jobs.map((job) => job.tick(first)));
      expect(results.filter((deleted) => deleted === null)).toHaveLength(2);
      expect(results.filter((deleted) => deleted !== null)).toEqual([2]);
      // A late timer on another instance cannot run the same tick again.
      expect(await jobs[2].tick(first)).toBeNull();

      writer.enqueue(row('2026-01-03T00:00:00Z'));
      await writer.flush();
      const next = new Date('2026-04-01T04:15:00Z');
      expect(await jobs[2].tick(next)).toBe(1);
      expect(await jobs[0].tick(next)).toBeNull();
    } finally {
      for (const instance of instances) await instance.close();
    }
  });

  it('refuses an invalid cron expression at start with a clear message', async () => {
    const failure = await start({ usagePurgeCron: 'every day' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(failure)).toMatch(/not a valid cron expression/);
    // Refused while the options are resolved, before a connection is opened: nothing is left to close.
    expect(moduleRef).toBeUndefined();
  });
});
