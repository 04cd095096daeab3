import { ApiProperty } from '@nestjs/swagger';
import { USAGE_OUTCOMES, type UsageOutcome } from '../../database/usage-log-entry.entity';
import type { RequestLogEntry, RequestLogPage } from '../request-log.types';
import type { TopUsers } from '../usage-query.types';
import { AdminUserUsageDto } from './admin-usage-view.dto';

/** One call of the request log. */
export class RequestLogEntryDto implements RequestLogEntry {
  @ApiProperty({ description: 'Row id.', example: 4182 })
  id!: number;

  @ApiProperty({ description: 'When the call was made, ISO 8601 UTC.', example: '2026-01-31T08:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ description: 'User id.', example: 'user_123' })
  user_id!: string;

  @ApiProperty({ description: 'The slot the call was made for; null when none.', example: 'fast', nullable: true, type: String })
  usage_key!: string | null;

  @ApiProperty({ description: 'Agent name; null when none.', example: 'agent_muse', nullable: true, type: String })
  agent_name!: string | null;

  @ApiProperty({ description: 'Model id; null for calls of no stored model.', example: 2, nullable: true, type: Number })
  model_id!: number | null;

  @ApiProperty({ description: 'Model display name (a deleted model keeps its name).', example: 'DeepSeek-V3', nullable: true, type: String })
  model_name!: string | null;

  @ApiProperty({ description: 'Platform name (a deleted model keeps its platform name).', example: 'DeepSeek', nullable: true, type: String })
  platform_name!: string | null;

  @ApiProperty({ description: 'True once the model has been deleted.', example: false })
  model_deleted!: boolean;

  @ApiProperty({ description: 'How the call ended.', enum: USAGE_OUTCOMES, example: 'error' })
  outcome!: UsageOutcome;

  @ApiProperty({ description: 'Input tokens (billed count).', example: 812 })
  prompt_tokens!: number;

  @ApiProperty({ description: 'Output tokens (billed count).', example: 64 })
  completion_tokens!: number;

  @ApiProperty({ description: 'Total tokens.', example: 876 })
  total_tokens!: number;

  @ApiProperty({ description: 'USD; null when unpriced.', example: 0.00042, nullable: true, type: Number })
  cost!: number | null;

  @ApiProperty({ description: 'Milliseconds from the request to the last byte or the failure.', example: 1240, nullable: true, type: Number })
  latency_ms!: number | null;

  @ApiProperty({ description: '1 for the first request of a call; more for its retries and fallbacks.', example: 1 })
  attempt!: number;

  @ApiProperty({ description: "A failed call's error code.", example: 'UPSTREAM_RATE_LIMITED', nullable: true, type: String })
  error_code!: string | null;

  @ApiProperty({
    description: "A failed call's message, every key masked, at most 300 characters.",
    example: "The platform 'DeepSeek' (api.deepseek.com) is rate limiting this key (HTTP 429). Wait for retryAfterSeconds, or raise the limit with the provider (429 Rate limit reached)",
    nullable: true,
    type: String,
  })
  error_detail!: string | null;
}

/** One page of the request log, newest first. */
export class RequestLogPageDto implements RequestLogPage {
  @ApiProperty({ type: [RequestLogEntryDto] })
  items!: RequestLogEntryDto[];

  @ApiProperty({ description: 'Pass as cursor for the next (older) page; null on the last page.', example: '1767312000000_4182', nullable: true, type: String })
  next_cursor!: string | null;
}

/** The top users of a range. */
export class TopUsersDto implements TopUsers {
  @ApiProperty({ description: 'Users whose id matched the search (all users without one).', example: 56 })
  matched_users!: number;

  @ApiProperty({ description: 'The first `limit` of them, most tokens first.', type: [AdminUserUsageDto] })
  users!: AdminUserUsageDto[];
}
