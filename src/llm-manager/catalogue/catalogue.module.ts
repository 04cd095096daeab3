import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';
import { SysPlatformKeyEntity } from '../database/sys-platform-key.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { SecurityModule } from '../security/security.module';
import { Clock, SystemClock } from '../usage/clock';
import { CatalogueReader } from './catalogue-reader';
import { KeyResolver } from './key-resolver';
import { PlatformAnswers } from './platform-answers';

/**
 * The read side of the platform catalogue: what a user may call (`CatalogueReader`), which key pays (`KeyResolver`),
 * and the one fact a call records about a platform (`PlatformAnswers`). Below admin (the writes), user-selection and
 * the builder, so a call's path only goes down.
 */
@Module({
  imports: [SecurityModule, TypeOrmModule.forFeature([PlatformEntity, ModelEntity, SysPlatformKeyEntity], LLM_MGR_DATA_SOURCE)],
  providers: [{ provide: Clock, useClass: SystemClock }, CatalogueReader, KeyResolver, PlatformAnswers],
  exports: [CatalogueReader, KeyResolver, PlatformAnswers],
})
export class CatalogueModule {}
