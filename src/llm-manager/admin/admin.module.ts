import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { CooldownsModule } from '../cooldowns/cooldowns.module';
import { SysPlatformKeyEntity } from '../database/sys-platform-key.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { SecurityModule } from '../security/security.module';
import { Clock, SystemClock } from '../usage/clock';
import { PlatformAdminService } from './platform-admin.service';
import { PlatformViewMapper } from './platform-view.mapper';
import { SystemPlatformService } from './system-platform.service';
import { UserPlatformService } from './user-platform.service';

/** The platform catalogue: system platforms for admins, private platforms and own keys for users. */
@Module({
  imports: [SecurityModule, CatalogueModule, CooldownsModule, TypeOrmModule.forFeature([SysPlatformKeyEntity], LLM_MGR_DATA_SOURCE)],
  providers: [{ provide: Clock, useClass: SystemClock }, PlatformAdminService, PlatformViewMapper, SystemPlatformService, UserPlatformService],
  // The read side goes with it: the admin routes resolve keys and read the catalogue too.
  exports: [CatalogueModule, PlatformAdminService, PlatformViewMapper, SystemPlatformService, UserPlatformService],
})
export class AdminModule {}
