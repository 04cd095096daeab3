import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { UsageGranularity } from '../usage-sql-dialect';
import { UsageSinceQueryDto } from './usage-since-query.dto';

const GRANULARITIES: readonly UsageGranularity[] = ['hour', 'day'];

/** `?granularity=hour|day&since=…` of the timeline. */
export class UsageTimelineQueryDto extends UsageSinceQueryDto {
  @ApiPropertyOptional({ description: 'Bucket size, in UTC; default hour.', enum: GRANULARITIES, example: 'day' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity?: UsageGranularity;
}
