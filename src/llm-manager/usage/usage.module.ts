import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { Clock, SystemClock } from './clock';
import { CronTaskScheduler, TaskScheduler } from './task-scheduler';
import { UsagePurgeJob } from './usage-purge.job';
import { UsageQueryService } from './usage-query.service';
import { UsageWriter } from './usage-writer';
import { DEFAULT_USAGE_WRITER_OPTIONS, USAGE_WRITER_OPTIONS } from './usage-writer.options';

/**
 * Usage tracking (M14–M16): the batch writer, the queries, and the clock both use. Relies on the global
 * `LLM_MGR_DATA_SOURCE_TOKEN` of `LlmManagerModule`; the writer flushes in `beforeApplicationShutdown`, before that
 * module destroys the DataSource in `onApplicationShutdown`.
 */
@Module({
  imports: [ClusterModule],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: TaskScheduler, useClass: CronTaskScheduler },
    { provide: USAGE_WRITER_OPTIONS, useValue: DEFAULT_USAGE_WRITER_OPTIONS },
    UsageWriter,
    UsageQueryService,
    UsagePurgeJob,
  ],
  exports: [Clock, TaskScheduler, USAGE_WRITER_OPTIONS, UsageWriter, UsageQueryService, UsagePurgeJob],
})
export class UsageModule {}
