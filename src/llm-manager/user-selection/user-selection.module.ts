import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { FallbackPicker } from './fallback-picker';
import { UserSelectionService } from './user-selection.service';

/** Usage slots per user (M3) and their self-repair (M9). */
@Module({
  imports: [AdminModule],
  providers: [FallbackPicker, UserSelectionService],
  exports: [UserSelectionService],
})
export class UserSelectionModule {}
