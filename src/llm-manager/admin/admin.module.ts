import { Module } from '@nestjs/common';
import { SecurityModule } from '../security/security.module';
import { CatalogueReader } from './catalogue-reader';
import { PlatformAdminService } from './platform-admin.service';
import { PlatformViewMapper } from './platform-view.mapper';
import { SystemPlatformService } from './system-platform.service';
import { UserPlatformService } from './user-platform.service';

/** The platform catalogue: system platforms for admins, private platforms and own keys for users. */
@Module({
  imports: [SecurityModule],
  providers: [CatalogueReader, PlatformAdminService, PlatformViewMapper, SystemPlatformService, UserPlatformService],
  exports: [CatalogueReader, PlatformAdminService, PlatformViewMapper, SystemPlatformService, UserPlatformService],
})
export class AdminModule {}
