import { ApiProperty } from '@nestjs/swagger';
import type { AgentUsage, ModelUsage, TimelinePoint, UsageSummary, UserUsage } from '../usage-query.types';

/** Totals in the seed's shape (M15). */
export class AdminUsageSummaryDto implements UsageSummary {
  @ApiProperty({ description: 'Total tokens.', example: 15230 })
  tokens!: number;

  @ApiProperty({ description: 'Prompt tokens.', example: 12000 })
  prompt_tokens!: number;

  @ApiProperty({ description: 'Completion tokens.', example: 3230 })
  completion_tokens!: number;

  @ApiProperty({ description: 'Calls, including interrupted and failed ones.', example: 42 })
  requests!: number;

  @ApiProperty({ description: 'Failed calls.', example: 1 })
  errors!: number;
}

export class AdminUserUsageDto extends AdminUsageSummaryDto implements UserUsage {
  @ApiProperty({ description: 'User id.', example: 'user_123' })
  user_id!: string;
}

export class AdminModelUsageDto extends AdminUsageSummaryDto implements ModelUsage {
  @ApiProperty({ description: 'Model id; null for calls whose model row is gone.', example: 2, nullable: true, type: Number })
  model_id!: number | null;

  @ApiProperty({ description: 'Model display name; null once the model is deleted.', example: 'DeepSeek-V3', nullable: true, type: String })
  model_name!: string | null;

  @ApiProperty({ description: 'Platform name.', example: 'DeepSeek', nullable: true, type: String })
  platform_name!: string | null;
}

export class AdminAgentUsageDto extends AdminUsageSummaryDto implements AgentUsage {
  @ApiProperty({ description: 'Agent name; null for calls made without one.', example: 'agent_muse', nullable: true, type: String })
  agent_name!: string | null;
}

export class AdminTimelinePointDto implements TimelinePoint {
  @ApiProperty({ description: 'Bucket start, UTC: "YYYY-MM-DD HH:00" or "YYYY-MM-DD".', example: '2026-01-31 08:00' })
  time!: string;

  @ApiProperty({ description: 'Tokens in the bucket.', example: 1200 })
  tokens!: number;

  @ApiProperty({ description: 'Calls in the bucket.', example: 4 })
  requests!: number;

  @ApiProperty({ description: 'Failed calls in the bucket.', example: 0 })
  errors!: number;
}

export class AdminPurgeResultDto {
  @ApiProperty({ description: 'Usage rows deleted.', example: 1834 })
  deleted!: number;
}
