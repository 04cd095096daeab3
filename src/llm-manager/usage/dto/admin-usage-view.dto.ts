import { ApiProperty } from '@nestjs/swagger';
import type { UserUsage } from '../usage-query.types';
import { UsageSummaryDto } from './usage-view.dto';

/** One user's totals, for admins; the other usage shapes are the user routes' (usage-view.dto.ts). */
export class AdminUserUsageDto extends UsageSummaryDto implements UserUsage {
  @ApiProperty({ description: 'User id.', example: 'user_123' })
  user_id!: string;
}

export class AdminPurgeResultDto {
  @ApiProperty({ description: 'Usage rows deleted.', example: 1834 })
  deleted!: number;
}
