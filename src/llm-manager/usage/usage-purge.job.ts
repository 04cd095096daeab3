import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TickLease } from '../cluster/tick-lease';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from './clock';
import { TaskScheduler, type ScheduledTask } from './task-scheduler';
import { UsageQueryService } from './usage-query.service';
import { errorMessage } from '../common/error-message';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The name of the purge's cron job in the host's `SchedulerRegistry` (`@nestjs/schedule`). */
export const USAGE_PURGE_JOB_NAME = 'llm-mgr:usage-purge';

/**
 * The scheduled purge of old usage rows (M16): on `usagePurgeCron`, rows older than `usageRetentionDays` go.
 * Scheduled through the TaskScheduler: on the host's `SchedulerRegistry` when it has one, on its own otherwise.
 */
@Injectable()
export class UsagePurgeJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LlmManager');
  private task: ScheduledTask | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly usage: UsageQueryService,
    private readonly clock: Clock,
    private readonly scheduler: TaskScheduler,
    private readonly lease: TickLease,
  ) {}

  // Async on purpose: Nest awaits hook promises together, so a refused cron surfaces as one clean start failure.
  async onApplicationBootstrap(): Promise<void> {
    const { usagePurgeCron: cron, usageRetentionDays: days } = this.options;
    if (this.task || cron === false || days <= 0) return;
    this.task = this.scheduler.schedule(USAGE_PURGE_JOB_NAME, cron, (scheduledAt) => void this.tick(scheduledAt));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task?.stop();
    this.task = null;
    await this.running;
  }

  /** When the next purge is due, or null when the schedule is off. */
  nextRun(): Date | null {
    return this.task ? this.task.nextRun() : null;
  }

  /**
   * A scheduled tick: of all instances sharing the database, only the one that claims this tick purges. Resolves to
   * the rows deleted, or null when another instance had the tick.
   */
  async tick(scheduledAt: Date): Promise<number | null> {
    try {
      if (!(await this.lease.claim('usage_purge', scheduledAt))) return null;
      this.logger.log(`Usage purge: this instance runs the tick of ${scheduledAt.toISOString()}.`);
    } catch (error) {
      this.logger.warn(`Usage purge skipped, its tick could not be claimed: ${errorMessage(error)}`);
      return null;
    }
    return this.runOnce();
  }

  /** One purge now, with the configured retention; overlapping ticks share the run in progress. */
  runOnce(): Promise<number> {
    this.running ??= this.purge().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async purge(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.options.usageRetentionDays * DAY_MS);
    try {
      const deleted = await this.usage.purge(cutoff);
      this.logger.log(`Usage purge: ${deleted} rows older than ${cutoff.toISOString()} deleted.`);
      return deleted;
    } catch (error) {
      // A failed purge is retried on the next tick; it must never take the host down.
      this.logger.warn(`Usage purge failed: ${errorMessage(error)}`);
      return 0;
    }
  }
}
