import { ApiProperty } from '@nestjs/swagger';
import type { AgentUsage, ModelUsage, TimelinePoint, UsageSummary } from '../usage-query.types';
import { TOKEN_DETAILS_EXAMPLE, TokenDetailsDto } from './token-details.dto';

/** Token and request totals (M15), snake_case as in the seed, with the token details of issue 15. */
export class UsageSummaryDto extends TokenDetailsDto implements UsageSummary {
  @ApiProperty({ description: 'Total tokens (the billed count, see billedUsage).', example: 12345 })
  tokens!: number;

  @ApiProperty({ description: 'Input tokens.', example: 8000 })
  prompt_tokens!: number;

  @ApiProperty({ description: 'Output tokens.', example: 4345 })
  completion_tokens!: number;

  @ApiProperty({ description: 'Every call, including interrupted and failed ones.', example: 50 })
  requests!: number;

  @ApiProperty({ description: 'Failed calls.', example: 2 })
  errors!: number;
}

/** One model's share (M16). */
export class ModelUsageDto extends UsageSummaryDto implements ModelUsage {
  @ApiProperty({ description: 'Model id; null for calls without one.', example: 2, nullable: true, type: Number })
  model_id!: number | null;

  @ApiProperty({
    description: 'Display name; a deleted model keeps the one it had; null for calls of no stored model.',
    example: 'DeepSeek-V3',
    nullable: true,
    type: String,
  })
  model_name!: string | null;

  @ApiProperty({ description: 'Its platform (the name it had, for a deleted model).', example: 'DeepSeek', nullable: true, type: String })
  platform_name!: string | null;

  @ApiProperty({ description: 'True once the model has been deleted.', example: false })
  model_deleted!: boolean;
}

/** One agent's share (M16). */
export class AgentUsageDto extends UsageSummaryDto implements AgentUsage {
  @ApiProperty({
    description: 'Agent name given to getUserLlm; null for calls without one.',
    example: 'agent_muse',
    nullable: true,
    type: String,
  })
  agent_name!: string | null;
}

/** One bucket of a timeline. */
export class TimelinePointDto extends TokenDetailsDto implements TimelinePoint {
  @ApiProperty({ description: 'UTC bucket: YYYY-MM-DD HH:00 (hour) or YYYY-MM-DD (day).', example: '2026-01-31 08:00' })
  time!: string;

  @ApiProperty({ description: 'Total tokens.', example: 1520 })
  tokens!: number;

  @ApiProperty({ description: 'Calls.', example: 6 })
  requests!: number;

  @ApiProperty({ description: 'Failed calls.', example: 0 })
  errors!: number;
}

export const SUMMARY_EXAMPLE: UsageSummary = {
  tokens: 12345,
  prompt_tokens: 8000,
  completion_tokens: 4345,
  requests: 50,
  errors: 2,
  ...TOKEN_DETAILS_EXAMPLE,
};
