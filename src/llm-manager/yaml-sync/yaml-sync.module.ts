import { Module } from '@nestjs/common';
import { SecurityModule } from '../security/security.module';
import { YamlSyncService } from './yaml-sync.service';

/** Imports `llm_mgr_cfg.yaml` on start and offers the force reset. */
@Module({
  imports: [SecurityModule],
  providers: [YamlSyncService],
  exports: [YamlSyncService],
})
export class YamlSyncModule {}
