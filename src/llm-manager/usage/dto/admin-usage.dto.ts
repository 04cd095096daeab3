import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { UsageGranularity } from '../usage-sql-dialect';
import { IsSince, SINCE_FORMAT } from './admin-since';

/** Longest retention a purge may name: a century. */
export const MAX_PURGE_DAYS = 36_500;

/** `?since=` of the admin usage routes; omitted: all time. */
export class AdminSinceQueryDto {
  @ApiPropertyOptional({ description: `Lower time bound: ${SINCE_FORMAT}. Omitted: all time.`, example: '7d' })
  @IsOptional()
  @IsString()
  @IsSince()
  since?: string;
}

/** `?granularity=hour|day&since=` of the timeline; defaults: hour, the last 24 hours. */
export class AdminTimelineQueryDto {
  @ApiPropertyOptional({ description: 'Bucket size (UTC).', enum: ['hour', 'day'], example: 'day', default: 'hour' })
  @IsOptional()
  @IsIn(['hour', 'day'])
  granularity?: UsageGranularity;

  @ApiPropertyOptional({ description: `Start: ${SINCE_FORMAT}. Default: 24h.`, example: '30d', default: '24h' })
  @IsOptional()
  @IsString()
  @IsSince()
  since?: string;
}

/** `/api/ai/admin/usage/users/:userId`. */
export class AdminUserIdParamDto {
  @ApiProperty({ description: 'The user id the host application uses, at most 64 characters ("-1": the system user).', example: 'user_123' })
  @IsString()
  @Length(1, 64)
  userId!: string;
}

/** `POST /api/ai/admin/usage/purge`. */
export class AdminPurgeDto {
  @ApiProperty({ description: `Delete usage rows older than this many days (1–${MAX_PURGE_DAYS}).`, example: 90 })
  @IsInt()
  @Min(1)
  @Max(MAX_PURGE_DAYS)
  olderThanDays!: number;
}
