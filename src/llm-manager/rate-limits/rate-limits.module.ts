import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../database/database.providers';
import { TransactionTurns } from '../database/transaction-turns';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { UsageModule } from '../usage/usage.module';
import { DatabaseRateLimitStore } from './database-rate-limit-store';
import { RateLimitRules } from './rate-limit-rules';
import { RateLimitService } from './rate-limit.service';
import { RateLimitStore } from './rate-limit-store';
import { RateLimiter } from './rate-limiter';
import { RedisRateLimitStore } from './redis-rate-limit-store';

/** Rate limits (issue 18): rpm, tpm and concurrency per user, slot and API token, shared through the database or Redis. */
@Module({
  imports: [UsageModule],
  providers: [
    RateLimitRules,
    RateLimiter,
    RateLimitService,
    {
      provide: RateLimitStore,
      inject: [LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE_TOKEN, TransactionTurns],
      useFactory: (options: ResolvedLlmManagerOptions, dataSource: DataSource, turns: TransactionTurns): RateLimitStore =>
        options.redisUrl
          ? new RedisRateLimitStore(options.redisUrl, options.redisKeyPrefix, options.rateLimitLeaseMs)
          : new DatabaseRateLimitStore(dataSource, turns),
    },
  ],
  exports: [RateLimiter, RateLimitService],
})
export class RateLimitsModule {}
