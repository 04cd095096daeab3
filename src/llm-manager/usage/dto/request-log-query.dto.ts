import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsRowIdText } from '../../admin/dto/sys-fields';
import { USAGE_OUTCOMES, type UsageOutcome } from '../../database/usage-log-entry.entity';
import { MAX_REQUEST_LOG_PAGE, type RequestLogFilter } from '../request-log.types';
import type { Clock } from '../clock';
import type { ExportView } from '../usage-export.service';
import { UsageRangeQueryDto } from './usage-range-query.dto';

/** Canonical digits from a query string become a number; anything else stays text and fails `IsInt` by name. */
function wholeNumber({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^[1-9]\d{0,3}$/.test(value) ? Number(value) : value;
}

/** The request log's filters, shared by its pages and its CSV export. */
export class RequestLogFilterQueryDto extends UsageRangeQueryDto {
  @ApiPropertyOptional({ description: 'Only this user (exact id).', example: 'user_123' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  user_id?: string;

  @ApiPropertyOptional({ description: 'Only calls made for this slot.', example: 'fast' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  usage_key?: string;

  @ApiPropertyOptional({ description: 'Only calls made with this agent name.', example: 'agent_muse' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  agent_name?: string;

  @ApiPropertyOptional({ description: 'Only calls of this platform (its display name; deleted platforms by their kept name).', example: 'DeepSeek' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  platform?: string;

  @ApiPropertyOptional({ description: 'Only calls of models with this display name (deleted models by their kept name).', example: 'DeepSeek-V3' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  model?: string;

  @ApiPropertyOptional({ description: 'Only calls of this model id (deleted models too).', example: 2, type: Number })
  @IsOptional()
  @IsRowIdText()
  model_id?: number;

  @ApiPropertyOptional({ description: 'Only calls that ended this way.', enum: USAGE_OUTCOMES, example: 'error' })
  @IsOptional()
  @IsIn(USAGE_OUTCOMES)
  outcome?: UsageOutcome;

  /** The filters as the service takes them. */
  filterAt(clock: Clock): RequestLogFilter {
    return {
      ...this.rangeAt(clock),
      userId: this.user_id,
      usageKey: this.usage_key,
      agentName: this.agent_name,
      platformName: this.platform,
      modelName: this.model,
      modelId: this.model_id,
      outcome: this.outcome,
    };
  }
}

const EXPORT_VIEWS: readonly ExportView[] = ['requests', 'users', 'models', 'agents'];

/** `GET /api/ai/admin/usage/requests`: the request log's filters and its page. */
export class RequestLogQueryDto extends RequestLogFilterQueryDto {
  @ApiPropertyOptional({ description: `Calls per page, 1–${MAX_REQUEST_LOG_PAGE}; default 50.`, example: 50, type: Number })
  @IsOptional()
  @Transform(wholeNumber)
  @IsInt()
  @Min(1)
  @Max(MAX_REQUEST_LOG_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page; absent: the newest calls.', example: '1767312000000_4182' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,15}_\d{1,15}$/, { message: 'cursor must be the next_cursor of a previous page, such as 1767312000000_4182' })
  cursor?: string;
}

/** `GET /api/ai/admin/usage/export.csv`: which view, over the request log's filters (the totals use the range only). */
export class UsageExportQueryDto extends RequestLogFilterQueryDto {
  @ApiPropertyOptional({ description: 'requests (one line per call, the default), users, models or agents (totals).', enum: EXPORT_VIEWS, example: 'requests' })
  @IsOptional()
  @IsIn(EXPORT_VIEWS)
  view?: ExportView;

  @ApiPropertyOptional({ description: 'view=users: only user ids containing this text (case-insensitive).', example: 'alice' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  search?: string;
}

/** `GET /api/ai/admin/usage/top-users`. */
export class TopUsersQueryDto extends UsageRangeQueryDto {
  @ApiPropertyOptional({ description: 'Only user ids containing this text (case-insensitive).', example: 'alice' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  search?: string;

  @ApiPropertyOptional({ description: 'How many users, most tokens first: 1–100; default 10.', example: 10, type: Number })
  @IsOptional()
  @Transform(wholeNumber)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
