import { Module } from '@nestjs/common';
import { SecurityModule } from '../security/security.module';
import { Clock, SystemClock } from '../usage/clock';
import { CatalogueReader } from './catalogue-reader';
import { KeyResolver } from './key-resolver';
import { PlatformAdminService } from './platform-admin.service';
import { PlatformAnswers } from './platform-answers';
import { PlatformViewMapper } from './platform-view.mapper';
import { SystemPlatformService } from './system-platform.service';
import { UserPlatformService } from './user-platform.service';

/** The platform catalogue: system platforms for admins, private platforms and own keys for users. */
@Module({
  imports: [SecurityModule],
  providers: [{ provide: Clock, useClass: SystemClock }, CatalogueReader, KeyResolver, PlatformAdminService, PlatformAnswers, PlatformViewMapper, SystemPlatformService, UserPlatformService],
  exports: [CatalogueReader, KeyResolver, PlatformAdminService, PlatformAnswers, PlatformViewMapper, SystemPlatformService, UserPlatformService],
})
export class AdminModule {}
