import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import type { Clock } from '../clock';
import { IsSince, parseSince, SINCE_FORMAT } from './admin-since';

/** `?since=` of the user's usage routes, read exactly as the admin usage routes read it. */
export class UsageSinceQueryDto {
  @ApiPropertyOptional({ description: `Start of the range: ${SINCE_FORMAT}.`, example: '7d' })
  @IsOptional()
  @IsString()
  @IsSince()
  since?: string;

  /** The start as an instant, `clock` giving "now" for durations; undefined when absent. */
  sinceAt(clock: Clock): Date | undefined {
    return parseSince(this.since, clock.now());
  }
}
