import { Injectable, Module } from '@nestjs/common';
import { Cron, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import type { TestingModule } from '@nestjs/testing';
import { USAGE_PURGE_JOB_NAME, UsagePurgeJob } from '../../src/llm-manager/usage/usage-purge.job';
import { TempStore } from '../support/temp-store';

/** A host's own scheduled job; it notes the second of each run, so a job mounted twice shows as a repeated second. */
@Injectable()
class HostJobs {
  static seconds: number[] = [];

  @Cron('* * * * * *')
  everySecond(): void {
    HostJobs.seconds.push(Math.floor(Date.now() / 1000));
  }
}

@Module({ imports: [ScheduleModule.forRoot()], providers: [HostJobs] })
class HostWithScheduleModule {}

/** Runs for a little over three real seconds: what is tested is the real scheduler's ticks, so no fake clock here. */
const TICKS_WINDOW_MS = 3_300;
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The purge on @nestjs/schedule (issue 13): llm-mgr never calls `ScheduleModule.forRoot()`. With a host that does, the
 * purge joins the host's SchedulerRegistry and the host's `@Cron` jobs still run once per tick; without one, the purge
 * schedules itself. Every second here, with a real database behind the tick lease.
 */
describe('scheduled purge on @nestjs/schedule, in a host app', () => {
  jest.setTimeout(30_000);
  let store: TempStore;
  let moduleRef: TestingModule | undefined;
  /** Every purge tick so far, still growing while the app runs. */
  let liveTicks: unknown[] = [];

  beforeEach(() => {
    store = new TempStore();
    HostJobs.seconds = [];
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    store.remove();
  });

  /** Starts the host, lets it tick, and returns each purge tick's due time and what the tick did (rows or null). */
  async function runTicks(imports: Array<typeof HostWithScheduleModule>): Promise<Array<{ due: string; result: number | null }>> {
    moduleRef = await store.start({ usagePurgeCron: '* * * * * *' }, imports);
    const job = moduleRef.get(UsagePurgeJob);
    const ticks: Array<{ due: string; result: Promise<number | null> }> = [];
    liveTicks = ticks;
    const original = job.tick.bind(job);
    // Records and passes through: the real tick claims the lease and purges.
    job.tick = (scheduledAt: Date): Promise<number | null> => {
      const result = original(scheduledAt);
      ticks.push({ due: scheduledAt.toISOString(), result });
      return result;
    };
    await wait(TICKS_WINDOW_MS);
    return Promise.all(ticks.map(async ({ due, result }) => ({ due, result: await result })));
  }

  it('with the host\'s ScheduleModule.forRoot() and @Cron job: both run exactly once per tick, the purge in the host registry', async () => {
    const ticks = await runTicks([HostWithScheduleModule]);

    expect(moduleRef!.get(SchedulerRegistry).doesExist('cron', USAGE_PURGE_JOB_NAME)).toBe(true);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks.map((tick) => tick.due)).size).toBe(ticks.length);
    // One instance on the database: it claims every tick, so each one purged (0 rows: none are old).
    expect(ticks.map((tick) => tick.result)).toEqual(ticks.map(() => 0));
    expect(HostJobs.seconds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(HostJobs.seconds).size).toBe(HostJobs.seconds.length);
  });

  it('without ScheduleModule in the host: the purge schedules itself and runs once per tick', async () => {
    const ticks = await runTicks([]);

    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks.map((tick) => tick.due)).size).toBe(ticks.length);
    expect(ticks.map((tick) => tick.result)).toEqual(ticks.map(() => 0));
  });

  it('stops with the app: no purge tick after close, and the host registry no longer lists it', async () => {
    const ticks = await runTicks([HostWithScheduleModule]);
    const registry = moduleRef!.get(SchedulerRegistry);
    await moduleRef!.close();
    moduleRef = undefined;
    const atClose = liveTicks.length;
    expect(atClose).toBeGreaterThanOrEqual(ticks.length);
    await wait(1_200);
    expect(registry.doesExist('cron', USAGE_PURGE_JOB_NAME)).toBe(false);
    expect(liveTicks.length).toBe(atClose);
  });
});
