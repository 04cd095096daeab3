import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigVersionEntity } from '../database/config-version.entity';
import { MetaEntity } from '../database/meta.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { ConfigChangeRelay } from './config-change-relay';
import { TickLease } from './tick-lease';

/**
 * Several instances on one database (B7): configuration changes reach every instance, scheduled jobs run once per
 * tick. Relies on the ConfigChanges of `LlmManagerModule`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ConfigVersionEntity, MetaEntity], LLM_MGR_DATA_SOURCE)],
  providers: [ConfigChangeRelay, TickLease],
  exports: [ConfigChangeRelay, TickLease],
})
export class ClusterModule {}
