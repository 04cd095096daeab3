import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module';
import { LlmMetrics } from './llm-metrics';

/** Prometheus metrics of calls, tokens, overhead, refusals and the usage writer (`LlmMetrics.registry`). */
@Module({
  imports: [UsageModule],
  providers: [LlmMetrics],
  exports: [LlmMetrics],
})
export class MetricsModule {}
