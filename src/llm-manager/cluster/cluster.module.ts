import { Module } from '@nestjs/common';
import { ConfigChangeRelay } from './config-change-relay';
import { TickLease } from './tick-lease';

/**
 * Several instances on one database (B7): configuration changes reach every instance, scheduled jobs run once per
 * tick. Relies on the global DataSource and ConfigChanges of `LlmManagerModule`.
 */
@Module({
  providers: [ConfigChangeRelay, TickLease],
  exports: [ConfigChangeRelay, TickLease],
})
export class ClusterModule {}
