import { Injectable, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, validateCronExpression } from 'cron';
import { LlmManagerError } from '../common/llm-manager.error';

/** A task registered on a schedule. */
export interface ScheduledTask {
  nextRun(): Date;
  stop(): Promise<void>;
}

/** Runs tasks on cron expressions; behind an injectable so tests tick it by hand instead of waiting. */
export abstract class TaskScheduler {
  /**
   * `task` receives the time the tick was due, the same on every instance that runs the same cron. `name` is how the
   * job is listed in the host's `SchedulerRegistry`.
   */
  abstract schedule(name: string, cron: string, task: (scheduledAt: Date) => void): ScheduledTask;
}

/**
 * The real scheduler: one `CronJob` per task, in the process's time zone, never keeping the process alive. When the
 * host imported `ScheduleModule.forRoot()`, the job is added to the host's `SchedulerRegistry` (the host sees and can
 * stop it); otherwise it runs on its own. llm-mgr never calls `forRoot()` itself: a second `forRoot()` in one app
 * mounts the host's `@Cron` jobs twice, and each then runs twice per tick.
 */
@Injectable()
export class CronTaskScheduler extends TaskScheduler {
  constructor(@Optional() private readonly registry?: SchedulerRegistry) {
    super();
  }

  schedule(name: string, cron: string, task: (scheduledAt: Date) => void): ScheduledTask {
    let job: CronJob;
    // The tick the timer was set for, not the moment it fired: instances whose timers fire a few ms apart agree on it.
    let due: Date | null = null;
    const onTick = (): void => {
      const scheduledAt = due ?? new Date();
      due = job.nextDate().toJSDate();
      task(scheduledAt);
    };
    try {
      job = CronJob.from({ cronTime: cron, onTick, start: false, unrefTimeout: true });
    } catch (error) {
      throw invalidPurgeCron(cron, error);
    }
    this.registry?.addCronJob(name, job);
    job.start();
    due = job.nextDate().toJSDate();
    return {
      nextRun: () => job.nextDate().toJSDate(),
      stop: async () => {
        if (this.registry?.doesExist('cron', name)) this.registry.deleteCronJob(name);
        await job.stop();
      },
    };
  }
}

/**
 * The purge cron, checked when the options are resolved: a bad expression stops the start before any connection is
 * opened, so nothing is left to close.
 */
export function checkedPurgeCron(cron: string | false): string | false {
  if (cron === false) return cron;
  const { valid, error } = validateCronExpression(cron);
  if (!valid) throw invalidPurgeCron(cron, error);
  return cron;
}

function invalidPurgeCron(cron: string, cause: unknown): LlmManagerError {
  return new LlmManagerError(
    'CONFIG_INVALID',
    `"${cron}" is not a valid cron expression for the usage purge (usagePurgeCron / LLM_USAGE_PURGE_CRON). ` +
      'Use five fields such as "0 3 * * *" (03:00 daily), or false to switch it off.',
    { cause },
  );
}
