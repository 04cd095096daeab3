import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { CooldownsModule } from '../cooldowns/cooldowns.module';
import { UserSelectionEntity } from '../database/user-selection.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { FallbackPicker } from './fallback-picker';
import { UserSelectionService } from './user-selection.service';

/** Usage slots per user (M3) and their self-repair (M9). */
@Module({
  imports: [CatalogueModule, CooldownsModule, TypeOrmModule.forFeature([UserSelectionEntity], LLM_MGR_DATA_SOURCE)],
  providers: [FallbackPicker, UserSelectionService],
  exports: [UserSelectionService],
})
export class UserSelectionModule {}
