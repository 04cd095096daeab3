import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { Clock, SystemClock } from './clock';
import { CronTaskScheduler, TaskScheduler } from './task-scheduler';
import { UsagePurgeJob } from './usage-purge.job';
import { UsageQueryService } from './usage-query.service';
import { RequestLogService } from './request-log.service';
import { UsageExportService } from './usage-export.service';
import { UsageWriter } from './usage-writer';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { UsageJournal } from './usage-journal';
import { UsageLedger } from './usage-ledger';
import { PriceBook } from './price-book';
import { TransactionTurns } from '../database/transaction-turns';
import { USAGE_WRITER_OPTIONS } from './usage-writer.options';

/**
 * Usage tracking (M14–M16) and the ledger (B10): the journal, the batch writer, the queries, and the clock they use. Runs on llm-mgr's data
 * source (`@InjectDataSource('llm-mgr')`); the writer flushes in `beforeApplicationShutdown`, before @nestjs/typeorm
 * destroys the data source in `onApplicationShutdown`.
 */
@Module({
  imports: [ClusterModule],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: TaskScheduler, useClass: CronTaskScheduler },
    {
      provide: USAGE_WRITER_OPTIONS,
      inject: [LLM_MANAGER_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedLlmManagerOptions) => options.usageWriter,
    },
    {
      provide: UsageJournal,
      inject: [LLM_MANAGER_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedLlmManagerOptions) => new UsageJournal(options.usageJournal || null),
    },
    UsageWriter,
    PriceBook,
    UsageLedger,
    UsageQueryService,
    RequestLogService,
    UsageExportService,
    UsagePurgeJob,
    TransactionTurns,
  ],
  exports: [
    Clock, PriceBook, TaskScheduler, USAGE_WRITER_OPTIONS, UsageJournal, UsageWriter, UsageLedger, UsageQueryService, RequestLogService,
    UsageExportService, UsagePurgeJob, TransactionTurns,
  ],
})
export class UsageModule {}
